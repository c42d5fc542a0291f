"""The ``assert_same`` fixture (conftest): floats to 1e-12, everything else exactly, and it can fail."""

import pytest


def test_assert_same_tolerates_last_bit_differences_only(assert_same):
    a = {"x": [1.0, 3.5406751720173544], "s": "ghz", "n": 3}
    assert_same(a, {"x": [1.0, 3.540675172017355], "s": "ghz", "n": 3})  # one ulp apart
    for bad in ({"x": [1.0, 3.5406751720]}, {"x": [1.0, 3.5406751720173544], "s": "product", "n": 3},
                {"x": [1.0], "s": "ghz", "n": 3}, {"x": [1.0, 3.5406751720173544], "s": "ghz", "n": 4}):
        with pytest.raises(AssertionError):
            assert_same(a, {"s": "ghz", "n": 3, **bad})
