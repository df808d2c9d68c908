"""scripts/check_portable.py: which perturbed-numerics runs `make portable` makes on which CPU."""

from __future__ import annotations

import pytest

from check_portable import combinations, is_native


@pytest.mark.parametrize("capability, names", [("DEFAULT", ["generic"]), ("AVX2", ["generic", "avx2"]),
                                               ("AVX512", ["generic", "avx2", "avx512"])])
def test_every_level_the_cpu_has_is_a_combination(capability, names):
    combos = combinations(capability)
    assert [c.name for c in combos] == names
    levels = [c.env["ATEN_CPU_CAPABILITY"] for c in combos]
    assert levels == ["default", "avx2", "avx512"][:len(names)]
    assert {c.env["OMP_NUM_THREADS"] for c in combos} >= {"1"} and (capability == "DEFAULT" or "3" in {c.env["OMP_NUM_THREADS"] for c in combos})


@pytest.mark.parametrize("capability, native", [("DEFAULT", ["generic"]), ("AVX2", []), ("AVX512", ["avx512"])])
def test_only_make_tests_own_path_counts_as_native(capability, native):
    # make test runs the CPU's own kernels at one thread: the avx2 combination's three threads differ
    assert [c.name for c in combinations(capability) if is_native(c, capability)] == native
