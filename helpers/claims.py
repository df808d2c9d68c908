"""A claim and its evidence in one line (introduced in 01_proto_cnns): `should("test accuracy %", acc, at_least=97.5)`
prints "test accuracy %: 97.9, should be at least 97.5 ✓" and stops the notebook (an AssertionError) when the
claim is false, so the check a learner reads is the check CI runs."""

from __future__ import annotations

import math

__all__ = ["should"]


def should(what: str, value, *, at_least=None, at_most=None, above=None, below=None, equal=None, near=None,
           tol: float = 0.0, fmt: str = ".4g") -> None:
    """Print `what: value, should be ...` and raise AssertionError unless every bound holds (near: within tol)."""
    bounds = [("at least", at_least, lambda v, b: v >= b), ("at most", at_most, lambda v, b: v <= b),
              ("above", above, lambda v, b: v > b), ("below", below, lambda v, b: v < b),
              ("equal to", equal, lambda v, b: v == b), ("near", near, lambda v, b: abs(v - b) <= tol)]
    value = value.item() if hasattr(value, "item") else value  # a one-element tensor or NumPy number
    given = [(words, bound, holds) for words, bound, holds in bounds if bound is not None]
    if not given:
        raise TypeError("should needs a bound: pass at_least=, at_most=, above=, below=, equal= or near=.")
    show = lambda v: format(v, fmt) if isinstance(v, float) and math.isfinite(v) else str(v)  # noqa: E731
    wanted = " and ".join(f"{words} {show(bound)}" + (f" ± {show(tol)}" if words == "near" else "")
                          for words, bound, _ in given)
    ok = all(holds(value, bound) for _, bound, holds in given)
    line = f"{what}: {show(value)}, should be {wanted}"
    print(line + (" ✓" if ok else " ✗"))
    if not ok:
        raise AssertionError(line)
