"""scripts/hints.py: TEACHING.md lists every self-check with the hints its code can print."""

from __future__ import annotations

import importlib
import textwrap

import hints


def test_teaching_md_lists_the_hints_of_the_checks_as_they_are_now():
    assert hints.updated(hints.TEACHING.read_text()) == hints.TEACHING.read_text(), "TEACHING.md is out of date: run make hints"


def test_every_check_is_listed_and_every_build_check_knows_at_least_two_mistakes():
    listed = {}
    for path in sorted(hints.EXERCISES.glob("*.py")):
        if path.name != "__init__.py":
            listed.update(hints.checks(path))
            module = importlib.import_module(f"helpers.exercises.{path.stem}")
            assert {n for n in module.__all__ if n.startswith("check_")} == set(hints.checks(path))
    build = ["check_shared_forward", "check_table_conv", "check_softmax_pool", "check_lenet5_functional",
             "check_map_error", "check_field_labels", "check_bag_of_features", "check_unpermuted_twin"]
    assert all(len(listed[name]) >= 3 for name in build), {name: len(listed[name]) for name in build}
    assert all(listed.values()), [name for name, h in listed.items() if not h]


def test_hints_are_read_from_each_way_a_check_can_say_not_yet(tmp_path):
    module = tmp_path / "toy.py"
    module.write_text(textwrap.dedent('''
        _MISTAKES = [(dict(relu=False), "a ReLU is missing."), ("x", "not a hint: a pair of names")]

        def _helper(n):
            return not_yet(f"n is {n + 1}, count again.")

        def check_toy(answer, n):
            hint = "the bias counts too."
            if answer == 0:
                return verdict(False, "", hint)
            graded(answer, 3, "right.", {2: "off by one."}, "count the units.")
            learner_result(answer, "f", (), "here", errors=[("in-place", "copy first.")])
            compare(answer, 1, "on x", [(lambda: 2, "twice too large.")] + _MISTAKES, "compare one output.", "ref")
            verdict(True, "never a hint.", "")
            return _helper(n)
    '''))
    assert hints.checks(module) == {"check_toy": [
        "the bias counts too.", "off by one.", "count the units.", "copy first.", "twice too large.",
        "compare one output.", "n is {n + 1}, count again.", "a ReLU is missing."]}


def test_markdown_keeps_underscores_and_code():
    assert hints.escaped("sum x_i, then `table[:, :, None]` and `a_b`") == r"sum x\_i, then `table[:, :, None]` and `a_b`"
