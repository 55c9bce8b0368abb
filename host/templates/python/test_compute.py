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


class WarmUpTest(unittest.TestCase):
    def test_the_warm_up_makes_the_first_row_what_a_longer_history_gives(self):
        closes = [1.0, 4.0, 2.0, 8.0, 5.0, 7.0]
        period, window_start = 3, 4
        first = window_start - compute.warm_up_bars(period)
        from_warm_up = compute.rolling_mean(closes[first:], period)
        self.assertEqual(from_warm_up[window_start - first :], [5.0, 20.0 / 3.0])
        self.assertEqual(from_warm_up[window_start - first :], compute.rolling_mean(closes, period)[window_start:])


if __name__ == "__main__":
    unittest.main()
