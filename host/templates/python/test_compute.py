"""Native unit tests of compute.py: `python3 -m unittest` in this folder."""

import math
import unittest

import compute


class RollingMeanTest(unittest.TestCase):
    def test_nan_until_period_values_then_mean(self):
        got = compute.rolling_mean([1.0, 2.0, 3.0, 4.0], 2)
        self.assertTrue(math.isnan(got[0]))
        self.assertEqual(got[1:], [1.5, 2.5, 3.5])

    def test_period_one_is_the_values(self):
        self.assertEqual(compute.rolling_mean([1.0, 2.0], 1), [1.0, 2.0])


if __name__ == "__main__":
    unittest.main()
