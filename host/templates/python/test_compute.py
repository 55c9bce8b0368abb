"""Native unit tests of compute.py: `python3 -m unittest` in this folder. The kernels that
`series.py` calls are answered by their plain-Python implementation, `kernels_ref.py`, when no
component is around."""

import math
import unittest

import compute


class RollingMeanTest(unittest.TestCase):
    def test_nan_until_period_values_then_mean(self):
        got = compute.rolling_mean([1.0, 2.0, 3.0, 4.0], 2)
        self.assertTrue(math.isnan(got[0]))
        for value, expected in zip(got[1:], [1.5, 2.5, 3.5]):
            self.assertAlmostEqual(value, expected, places=12)

    def test_period_one_is_the_values(self):
        self.assertEqual(list(compute.rolling_mean([1.0, 2.0], 1)), [1.0, 2.0])


class WarmUpTest(unittest.TestCase):
    def test_the_warm_up_makes_the_first_row_what_a_longer_history_gives(self):
        closes = [1.0, 4.0, 2.0, 8.0, 5.0, 7.0]
        period, window_start = 3, 4
        first = window_start - compute.warm_up_bars(period)
        from_warm_up = compute.rolling_mean(closes[first:], period)[window_start - first :]
        whole = compute.rolling_mean(closes, period)[window_start:]
        for a, b, expected in zip(from_warm_up, whole, [5.0, 20.0 / 3.0]):
            self.assertAlmostEqual(a, expected, places=12)
            self.assertAlmostEqual(a, b, places=12)


if __name__ == "__main__":
    unittest.main()
