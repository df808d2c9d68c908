"""Self-checks for the exercises at the end of every notebook, one module per notebook.

Each `check_...` function prints "Right: ..." or "Not yet: ..." with a hint about what went wrong,
never the solution, and returns True or False. A notebook imports only its own module, and so only
the helpers of its own lecture:

Build exercises (marked *) run the learner's own function or class against the lecture's reference on
seeded random inputs and name the first difference, with a hint for each recognised mistake.

- 01_proto_cnns: `helpers.exercises.proto_cnns` (`check_net5_h2`, `check_shared_bias_weights`,
  `check_net6`, `check_uncentred_votes`, `check_shared_forward`*)
- 02_bell_labs: `helpers.exercises.bell_labs` (`check_bell_labs(exercise, answer)` for its first four
  exercises, `check_table_conv`*)
- 03_pooling_zoo: `helpers.exercises.pooling_zoo` (`check_lse_offset`, `check_lse_function`*, `check_l2_gradient`,
  `check_softmax_pool`*)
- 04_lenet5: `helpers.exercises.lenet5` (`check_conv2_parameters`, `check_feature_side`,
  `check_shift_robustness`, `check_lenet5_functional`*)
- 05_shift_equivariance: `helpers.exercises.shift_equivariance` (`check_map_move`, `check_exact_shifts`,
  `check_consistency`, `check_map_error`*)
- 06_sliding_window: `helpers.exercises.sliding_window` (`check_one_d`, `check_narrowest_strip`, `check_decoder`,
  `check_field_labels`*)
- 07_feature_binding: `helpers.exercises.feature_binding` (`check_path`, `check_crossing`, `check_bag_answer`,
  `check_bag_of_features`*)
- 08_what_convnets_are_good_for: `helpers.exercises.what_convnets_are_good_for` (`check_unshared_conv2`,
  `check_matched_hidden`, `check_pool2_field`, `check_block_permutation`, `check_unpermuted_twin`*)

This package file holds only what every module shares, so importing one notebook's checks loads
nothing of the other lectures.
"""

from __future__ import annotations

import torch

__all__ = ["verdict", "learner_tensor"]


def verdict(ok: bool, right: str, wrong: str) -> bool:
    """Print "Right: `right`" or "Not yet: `wrong`" and return `ok`."""
    print(("Right: " + right) if ok else ("Not yet: " + wrong))
    return ok


def learner_tensor(fn, args: tuple, where: str) -> torch.Tensor | None:
    """Call the learner's `fn(*args)` and return its tensor; when it raises or returns something else, say so in one
    sentence ("Not yet: `where` it raises ...") and return None."""
    try:
        got = fn(*args)
    except Exception as err:  # the learner's function: report whatever went wrong, in one sentence
        verdict(False, "", f"{where} it raises {type(err).__name__}: {(str(err).splitlines() or [''])[0]}")
        return None
    if not isinstance(got, torch.Tensor):
        verdict(False, "", f"it must return a tensor, not a {type(got).__name__}.")
        return None
    return got
