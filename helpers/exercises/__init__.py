"""Self-checks for the exercises at the end of every notebook, one module per notebook (01_proto_cnns: `proto_cnns`,
and so on), and what they share. A check prints "Right: ..." or "Not yet: ..." with a hint, never the solution, and
returns True or False; a build exercise's check runs the learner's function against the lecture's reference on seeded
random inputs. Importing one notebook's checks loads nothing of the other lectures."""

from __future__ import annotations

import re
from typing import Any, Callable, Iterable, Mapping, Sequence

import torch

from helpers.inputs import error_reason

__all__ = ["verdict", "not_yet", "graded", "learner_result", "same", "first_mistake", "first_difference", "compare",
           "gradients_match"]


def verdict(ok: bool, right: str, wrong: str) -> bool:
    """Print "Right: `right`" or "Not yet: `wrong`" and return `ok`."""
    print(("Right: " + right) if ok else ("Not yet: " + wrong))
    return ok


def not_yet(wrong: str) -> bool:
    """Print "Not yet: `wrong`" and return False."""
    return verdict(False, "", wrong)


def graded(answer: Any, truth: Any, right: str, hints: Mapping[Any, str], otherwise: str) -> bool:
    """Right when `answer` is `truth`, else the hint of the wrong answer it is in `hints`, or `otherwise`."""
    return verdict(answer == truth, right, next((hint for wrong, hint in hints.items() if answer == wrong), otherwise))


def learner_result(fn: Any, name: str, args: tuple, where: str, *, returns: str = "a tensor", kind: type = torch.Tensor,
                   convert: Callable[[Any], Any] | None = None, errors: Sequence[tuple[str, str]] = (),
                   **kwargs: Any) -> Any:
    """`fn(*args, **kwargs)`, checked to be a `kind` (or read by `convert`); or None after one sentence: `fn` is no
    function, it raised on the inputs `where` names (`errors`: (regex, hint) of known failures), or returned no
    `returns`."""
    if not callable(fn):
        not_yet(f"pass your function itself, {name}, not a {type(fn).__name__}.")
        return None
    try:
        got = fn(*args, **kwargs)
    except Exception as err:  # the learner's code: whatever went wrong becomes one sentence
        text = f"{type(err).__name__}: {error_reason(err)}"
        hint = next((hint for pattern, hint in errors if re.search(pattern, text)), None)
        not_yet(f"{name} raised {text} ({where})" + (f": {hint}" if hint else "."))
        return None
    try:
        if convert is not None:
            return convert(got)
        if isinstance(got, kind):
            return got
    except (TypeError, ValueError, RuntimeError):  # it returned something `convert` cannot read
        pass
    not_yet(f"{name} should return {returns}, not a {type(got).__name__}.")
    return None


def same(a: Any, b: torch.Tensor, atol: float = 1e-4) -> bool:
    """Whether `a` is a tensor of `b`'s shape and values (to within `atol`)."""
    same_shape = isinstance(a, torch.Tensor) and a.shape == b.shape
    return same_shape and torch.allclose(a.detach().float(), b.float(), atol=atol)


def first_mistake(got: torch.Tensor, truth: torch.Tensor, mistakes: Iterable[tuple[Any, str]],
                  atol: float = 1e-4) -> str | None:
    """The hint of the first of `mistakes` ((a usual mistake's output, or a function giving it), hint) whose output is
    not `truth` but is `got`; a mistake that cannot run on these inputs is passed over."""
    for wrong, hint in mistakes:
        try:
            wrong = wrong() if callable(wrong) else wrong
        except RuntimeError:
            continue
        if not same(wrong, truth, atol) and same(got, wrong, atol):
            return hint
    return None


def first_difference(got: torch.Tensor, truth: torch.Tensor, reference: str, atol: float = 1e-4,
                     axes: Sequence[str] | None = None) -> str:
    """"output[i, j] is x, `reference` gives y" (or "image i, map j ..." with `axes`) where `got` first differs."""
    got = got.detach().float()
    index = tuple(int(i) for i in torch.nonzero(~torch.isclose(got, truth.float(), atol=atol))[0])
    at = ", ".join(f"{a} {i}" for a, i in zip(axes, index)) if axes else f"output[{', '.join(map(str, index))}]"
    return f"{at} is {float(got[index]):.4f}, {reference} gives {float(truth[index]):.4f}"


def compare(got: torch.Tensor, truth: torch.Tensor, where: str, mistakes: Iterable[tuple[Any, str]], otherwise: str,
            reference: str, *, shape: str = "the output should be {want}, yours is {got}.", atol: float = 1e-4,
            axes: Sequence[str] | None = None) -> bool:
    """True when `got` is `truth`; else False after one sentence, `where` (the inputs): the hint of the recognised
    mistake, the `shape` it should have, or its first difference from `truth` with the hint `otherwise`."""
    if same(got, truth, atol):
        return True
    hint = first_mistake(got, truth, mistakes, atol)
    if got.shape != truth.shape:
        return not_yet(f"{where}: {hint}" if hint else
                       f"{where}, " + shape.format(want=tuple(truth.shape), got=tuple(got.shape)))
    return not_yet(f"{where}, {first_difference(got, truth, reference, atol, axes)}: {hint or otherwise}")


def gradients_match(got: torch.Tensor, inputs: Mapping[str, torch.Tensor], reference: Callable[..., torch.Tensor],
                    advice: str, seed: int) -> bool:
    """Whether the gradients of the learner's output `got` with respect to `inputs` (the leaves it was computed from)
    are those of `reference(**inputs)`, along one seeded random direction; if not, say which differs first."""
    if not got.requires_grad:
        return not_yet(f"the outputs are right but no gradient flows back through them: {advice}")
    upstream = torch.randn(got.shape, generator=torch.Generator().manual_seed(seed))
    grads = torch.autograd.grad((got * upstream).sum(), list(inputs.values()), allow_unused=True)
    fresh = {name: t.detach().clone().requires_grad_() for name, t in inputs.items()}
    (reference(**fresh) * upstream).sum().backward()
    for (name, ref), grad in zip(fresh.items(), grads):
        if grad is None or not torch.allclose(grad.float(), ref.grad, atol=1e-4):
            return not_yet(f"the outputs are right but the gradients are not (the gradient with respect to {name} "
                           f"differs): {advice}")
    return True
