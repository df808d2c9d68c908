"""Self-checks for the exercises at the end of every notebook, one module per notebook.

Each `check_...` function prints "Right: ..." or "Not yet: ..." with a hint about what went wrong,
never the solution, and returns True or False. A notebook imports only its own module, and so only
the helpers of its own lecture:

- 01_proto_cnns: `helpers.exercises.proto_cnns` (`check_net5_h2`, `check_shared_bias_weights`,
  `check_net6`, `check_uncentred_votes`)
- 02_bell_labs: `helpers.exercises.bell_labs` (`check_bell_labs(exercise, answer)` for its four exercises)
- 03_pooling_zoo: `helpers.exercises.pooling_zoo` (`check_lse_offset`, `check_lse_function`, `check_l2_gradient`)
- 04_lenet5: `helpers.exercises.lenet5` (`check_conv2_parameters`, `check_feature_side`,
  `check_fc_as_conv`, `check_shift_robustness`)
- 05_shift_equivariance: `helpers.exercises.shift_equivariance` (`check_map_move`, `check_exact_shifts`,
  `check_consistency`)
- 06_sliding_window: `helpers.exercises.sliding_window` (`check_one_d`, `check_narrowest_strip`, `check_decoder`)
- 07_feature_binding: `helpers.exercises.feature_binding` (`check_path`, `check_crossing`, `check_bag_answer`)
- 08_what_convnets_are_good_for: `helpers.exercises.what_convnets_are_good_for` (`check_unshared_conv2`,
  `check_matched_hidden`, `check_pool2_field`, `check_block_permutation`)

This package file holds only what every module shares, so importing one notebook's checks loads
nothing of the other lectures.
"""

from __future__ import annotations

__all__ = ["verdict"]


def verdict(ok: bool, right: str, wrong: str) -> bool:
    """Print "Right: `right`" or "Not yet: `wrong`" and return `ok`."""
    print(("Right: " + right) if ok else ("Not yet: " + wrong))
    return ok
