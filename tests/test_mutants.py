"""scripts/mutants.py: each survivor judged equivalent names a line that is still in its module, so the list
cannot quietly go stale when the module changes (a stale entry excuses nothing, and hides that nobody re-judged)."""

from pathlib import Path

import mutants

ROOT = Path(__file__).resolve().parents[1]


def test_every_equivalent_mutant_names_a_line_of_its_module_as_it_is_now():
    stale = []
    for module, function, change in mutants.EQUIVALENT:
        original = change.split(" -> ")[0].strip()
        lines = {line.strip() for line in (ROOT / "helpers" / f"{module}.py").read_text().splitlines()}
        if original not in lines:
            stale.append(f"{module}.{function}: {original}")
    assert not stale, "no longer in the module; run make mutants and judge the survivors again:\n" + "\n".join(stale)


def test_every_module_in_scope_exists():
    assert all((ROOT / "helpers" / f"{module}.py").exists() for module in mutants.SCOPE)
