"""Native unit tests of the math and the parameter checks: `python3 -m unittest` in this folder.
The math calls the host's kernels through ../lib/series.py, answered here by their plain-Python
implementation (../lib/kernels_ref.py)."""

import math
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "lib"))

import compute  # noqa: E402
import params  # noqa: E402


class LogReturnsTest(unittest.TestCase):
    def test_first_bar_is_nan_then_log_ratio(self):
        got = compute.log_returns([1.0, 2.0, 1.0])
        self.assertTrue(math.isnan(got[0]))
        self.assertAlmostEqual(got[1], math.log(2.0), places=15)
        self.assertAlmostEqual(got[2], -math.log(2.0), places=15)

    def test_non_positive_price_is_nan(self):
        got = compute.log_returns([1.0, 0.0, 1.0])
        self.assertTrue(all(math.isnan(v) for v in got))


class VolumeZTest(unittest.TestCase):
    def test_nan_until_period_volumes_then_population_z(self):
        got = compute.volume_z([1, 2, 3, 4], 3)
        self.assertTrue(math.isnan(got[0]) and math.isnan(got[1]))
        # Window [1, 2, 3]: mean 2, population std sqrt(2/3).
        self.assertAlmostEqual(got[2], 1 / math.sqrt(2 / 3), places=12)
        # Window [2, 3, 4]: the same spread, shifted.
        self.assertAlmostEqual(got[3], 1 / math.sqrt(2 / 3), places=12)

    def test_zero_spread_is_nan(self):
        got = compute.volume_z([5, 5, 5, 9], 3)
        self.assertTrue(math.isnan(got[2]))
        self.assertFalse(math.isnan(got[3]))

    def test_large_volumes_keep_their_spread(self):
        # 1.5e12 a bar, as in tests/scenarios/zscore-volume: the squares pass 2^63, the spread of
        # 1 stays visible (the values are exact as floats up to 2^53).
        big = 1_500_000_000_000
        got = compute.volume_z([big, big + 1, big + 2], 3)
        self.assertAlmostEqual(got[2], 1 / math.sqrt(2 / 3), places=9)

    def test_a_flat_window_after_large_volumes_is_nan(self):
        # Windows that held 1.5e12 volumes leave no residue once the window is flat.
        got = compute.volume_z([1_500_000_000_000, 3, 750_000_000_000, 5000, 5000, 5000, 5001], 3)
        self.assertTrue(math.isnan(got[5]))
        self.assertAlmostEqual(got[6], (5001 - 15001 / 3) / math.sqrt(2 / 9), places=9)


class WindowTest(unittest.TestCase):
    def test_warm_up_rows_are_dropped(self):
        ts, returns, zscores = compute.features_in_window(
            [10, 20, 30, 40], [1.0, 1.0, 2.0, 2.0], [1, 2, 3, 3], 30, 40, 2
        )
        self.assertEqual(ts, [30, 40])
        self.assertAlmostEqual(returns[0], math.log(2.0), places=15)
        self.assertEqual(returns[1], 0.0)
        self.assertAlmostEqual(zscores[0], 1.0, places=15)
        self.assertTrue(math.isnan(zscores[1]))


class WarmUpTest(unittest.TestCase):
    def test_warm_up_is_period_less_one(self):
        self.assertEqual(params.parse([]).warm_up_bars, 19)
        self.assertEqual(params.parse([("period", "int", 2)]).warm_up_bars, 1)

    def test_the_declared_warm_up_makes_the_first_rows_start_invariant(self):
        # Volumes and closes of 40 bars; the window is the last 10. Read from the declared warm-up
        # start (the warm_up_bars-th bar before the window), the rows equal those computed over
        # every bar, and one bar fewer changes the first row's z-score: the warm-up is exact.
        n, start, period = 40, 30, 7
        ts = list(range(n))
        close = [1.0 + 0.01 * ((i * 7) % 5) for i in range(n)]
        volume = [(i * 37) % 11 + 1 for i in range(n)]
        full = compute.features_in_window(ts, close, volume, start, n - 1, period)
        first = start - params.Params(period=period).warm_up_bars
        got = compute.features_in_window(ts[first:], close[first:], volume[first:], start, n - 1, period)
        self.assertEqual(got[0], full[0])
        for a, b in zip(got[1:], full[1:]):
            self.assertTrue(all(x == y or (math.isnan(x) and math.isnan(y)) for x, y in zip(a, b)))
        late = first + 1
        short = compute.features_in_window(ts[late:], close[late:], volume[late:], start, n - 1, period)
        self.assertTrue(math.isnan(short[2][0]))
        self.assertFalse(math.isnan(full[2][0]))


class ParamsTest(unittest.TestCase):
    def test_default_and_given_period(self):
        self.assertEqual(params.parse([]).period, 20)
        self.assertEqual(params.parse([("period", "int", 5)]).period, 5)

    def test_period_below_two_is_rejected_by_name(self):
        with self.assertRaises(params.InvalidParams) as caught:
            params.parse([("period", "int", 1)])
        self.assertEqual(str(caught.exception), 'parameter "period" must be >= 2 (rolling window in bars), got 1')

    def test_period_above_the_kernels_longest_window_is_rejected_by_name(self):
        self.assertEqual(params.parse([("period", "int", 100_000)]).period, 100_000)
        with self.assertRaises(params.InvalidParams) as caught:
            params.parse([("period", "int", 100_001)])
        self.assertEqual(
            str(caught.exception), 'parameter "period" must be at most 100000 (rolling window in bars), got 100001'
        )

    def test_unknown_and_mistyped_parameters_are_rejected(self):
        with self.assertRaisesRegex(params.InvalidParams, 'unknown parameter "perod"'):
            params.parse([("perod", "int", 5)])
        with self.assertRaisesRegex(params.InvalidParams, 'parameter "period" must be an int, got float'):
            params.parse([("period", "float", 5.0)])


if __name__ == "__main__":
    unittest.main()
