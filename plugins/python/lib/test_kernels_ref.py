"""Tests of kernels_ref.py, the plain-Python kernels of native tests: TA-Lib's published values on
its regression series (tests/fixtures/talib), and small cases worked by hand from each kernel's
documented definition (wit/kernels.wit). Imported by a plugin's tests (indicators-py), so they
run with its `python3 -m unittest`, with or without the generated bindings loaded."""

import csv
import math
import unittest
from pathlib import Path

import kernels_ref as k

REPO = Path(__file__).resolve().parents[3]
NAN = math.nan


def regression_series():
    """TA-Lib's 252 daily bars: (high, low, close)."""
    with open(REPO / "tests" / "fixtures" / "talib" / "ta_regtest_daily_252.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    return tuple([float(r[name]) for r in rows] for name in ("high", "low", "close"))


def population():
    return k._kernels().Deviation.POPULATION


def sample():
    return k._kernels().Deviation.SAMPLE


class KernelsCase(unittest.TestCase):
    def assertColumn(self, got, expected, places=12):
        self.assertEqual(len(got), len(expected), f"{got} against {expected}")
        for i, (a, b) in enumerate(zip(got, expected)):
            if math.isnan(b):
                self.assertTrue(math.isnan(a), f"index {i}: {a} (expected NaN) in {got}")
            else:
                self.assertAlmostEqual(a, b, places=places, msg=f"index {i} of {got}")

    def assertInvalid(self, call, message):
        with self.assertRaises(k._bindings["err"]) as caught:
            call()
        self.assertEqual(caught.exception.value, k._kernels().KernelError_InvalidArgument(message))


class PublishedTaLibTest(KernelsCase):
    """TA-Lib's own regression values (ta_regtest), to the 4 decimals it publishes."""

    def test_sma_30(self):
        _, _, close = regression_series()
        got = k.rolling_mean(close, 30)
        self.assertTrue(all(math.isnan(v) for v in got[:29]))
        self.assertEqual(round(got[29], 4), 90.4263)
        self.assertEqual(round(got[251], 2), 108.42)

    def test_rsi_14(self):
        _, _, close = regression_series()
        got = k.rsi(close, 14)
        self.assertTrue(all(math.isnan(v) for v in got[:14]))
        self.assertEqual(round(got[14], 4), 49.1473)

    def test_macd_12_26_9(self):
        _, _, close = regression_series()
        lines = k.macd(close, 12, 26, 9)
        self.assertTrue(all(math.isnan(v) for v in lines.macd[:33]))
        self.assertEqual(round(lines.macd[33], 4), -1.9738)
        self.assertEqual(round(lines.signal[33], 4), -2.7071)
        self.assertEqual(round(lines.hist[33], 4), 0.7333)


class WindowTest(KernelsCase):
    def test_sum_mean_min_max_of_three(self):
        x = [1.0, 4.0, 2.0, 8.0]
        self.assertColumn(k.rolling_sum(x, 3), [NAN, NAN, 7.0, 14.0])
        self.assertColumn(k.rolling_mean(x, 3), [NAN, NAN, 7 / 3, 14 / 3])
        self.assertColumn(k.rolling_min(x, 3), [NAN, NAN, 1.0, 2.0])
        self.assertColumn(k.rolling_max(x, 3), [NAN, NAN, 4.0, 8.0])

    def test_var_and_std_population_and_sample(self):
        x = [1.0, 2.0, 3.0, 4.0]
        self.assertColumn(k.rolling_var(x, 3, population()), [NAN, NAN, 2 / 3, 2 / 3])
        self.assertColumn(k.rolling_var(x, 3, sample()), [NAN, NAN, 1.0, 1.0])
        self.assertColumn(k.rolling_std(x, 3, sample()), [NAN, NAN, 1.0, 1.0])
        self.assertColumn(k.rolling_var(x, 1, population()), [0.0] * 4)

    def test_argmin_argmax_are_absolute_and_the_newest_of_ties(self):
        x = [3.0, 1.0, 1.0, 5.0, 5.0, 0.0]
        self.assertColumn(k.rolling_argmin(x, 3), [NAN, NAN, 2.0, 2.0, 2.0, 5.0])
        self.assertColumn(k.rolling_argmax(x, 3), [NAN, NAN, 0.0, 3.0, 4.0, 4.0])

    def test_rank_averages_ties(self):
        # Windows [2, 1, 2] and [1, 2, 2]: the last 2 ties the other, rank (2 + 3) / 2.
        self.assertColumn(k.rolling_rank([2.0, 1.0, 2.0, 2.0, 0.5], 3), [NAN, NAN, 2.5, 2.5, 1.0])

    def test_zscore_population_and_nan_on_a_flat_window(self):
        got = k.zscore([1.0, 2.0, 3.0, 3.0, 3.0, 3.0], 3, population())
        self.assertColumn(got, [NAN, NAN, 1 / math.sqrt(2 / 3), (3 - 8 / 3) / math.sqrt(2 / 9), NAN, NAN])

    def test_a_nan_restarts_the_window(self):
        x = [1.0, 2.0, NAN, 3.0, 4.0, 5.0]
        self.assertColumn(k.rolling_sum(x, 2), [NAN, 3.0, NAN, NAN, 7.0, 9.0])
        self.assertColumn(k.rolling_argmax(x, 2), [NAN, 1.0, NAN, NAN, 4.0, 5.0])

    def test_periods_out_of_range_are_refused_by_name(self):
        self.assertInvalid(lambda: k.rolling_mean([1.0], 0), "rolling-mean: period 0 is out of range 1..=100000")
        self.assertInvalid(
            lambda: k.rolling_std([1.0], 1, sample()), "rolling-std: period 1 is out of range 2..=100000"
        )
        self.assertInvalid(
            lambda: k.zscore([1.0], 100_001, population()), "zscore: period 100001 is out of range 2..=100000"
        )


class SmoothingTest(KernelsCase):
    def test_ema_seeds_with_the_mean_then_k_is_two_over_n_plus_one(self):
        # EMA(3): seed (1 + 2 + 3) / 3 = 2 at index 2; k = 0.5: 2 + 0.5 (6 - 2) = 4; 4 + 0.5 (0 - 4) = 2.
        self.assertColumn(k.ema([1.0, 2.0, 3.0, 6.0, 0.0], 3), [NAN, NAN, 2.0, 4.0, 2.0])

    def test_wilder_seeds_with_the_mean_then_one_over_n(self):
        # Wilder(2): seed 3 at index 1; (3 + 5) / 2 = 4; (4 + 0) / 2 = 2.
        self.assertColumn(k.wilder([2.0, 4.0, 5.0, 0.0], 2), [NAN, 3.0, 4.0, 2.0])

    def test_rsi_of_a_flat_start_is_zero_as_c_talib(self):
        self.assertColumn(k.rsi([1.0, 1.0, 1.0, 2.0], 2), [NAN, NAN, 0.0, 100.0])

    def test_rsi_by_hand(self):
        # Changes +1, -1 | +2: gains 0.5, losses 0.5 -> 50; then gain (0.5 + 2) / 2 = 1.25,
        # loss 0.25 -> 100 * 1.25 / 1.5.
        self.assertColumn(k.rsi([1.0, 2.0, 1.0, 3.0], 2), [NAN, NAN, 50.0, 100 * 1.25 / 1.5])

    def test_macd_signal_one_is_the_line(self):
        lines = k.macd([float(v) for v in [1, 3, 2, 5, 4, 6, 8]], 2, 3, 1)
        # EMA(3) from index 2: seed 2, k 0.5; EMA(2) seeded at index 2 over [3, 2]: 2.5, k 2/3.
        slow = [2.0, 3.5, 3.75, 4.875, 6.4375]
        fast = [2.5, 2.5 + 2 / 3 * 2.5, None, None, None]
        fast[2] = fast[1] + 2 / 3 * (4 - fast[1])
        fast[3] = fast[2] + 2 / 3 * (6 - fast[2])
        fast[4] = fast[3] + 2 / 3 * (8 - fast[3])
        expected = [NAN, NAN] + [f - s for f, s in zip(fast, slow)]
        self.assertColumn(lines.macd, expected)
        self.assertColumn(lines.signal, expected)
        self.assertColumn(lines.hist, [NAN, NAN, 0.0, 0.0, 0.0, 0.0, 0.0])

    def test_macd_fast_must_be_below_slow(self):
        self.assertInvalid(lambda: k.macd([1.0], 26, 26, 9), "macd: fast 26 is not below slow 26")


class RangeTest(KernelsCase):
    def test_true_range_uses_the_previous_close(self):
        high, low, close = [10.0, 12.0, 11.0], [9.0, 11.0, 7.0], [9.5, 11.5, 8.0]
        # Bar 1: max(12, 9.5) - min(11, 9.5) = 2.5; bar 2: max(11, 11.5) - min(7, 11.5) = 4.5.
        self.assertColumn(k.true_range(high, low, close), [NAN, 2.5, 4.5])

    def test_atr_is_wilder_of_the_true_range_from_bar_one(self):
        high, low, close = regression_series()
        ranges = k.true_range(high, low, close)
        got = k.atr(high, low, close, 14)
        self.assertTrue(all(math.isnan(v) for v in got[:14]))
        self.assertAlmostEqual(got[14], math.fsum(ranges[1:15]) / 14, places=12)
        self.assertAlmostEqual(got[15], (got[14] * 13 + ranges[15]) / 14, places=12)
        self.assertColumn(k.atr(high, low, close, 1), ranges)

    def test_columns_of_different_lengths_are_refused(self):
        self.assertInvalid(
            lambda: k.atr([1.0], [1.0, 2.0], [1.0], 14),
            "atr: columns of different lengths (high 1, low 2, close 1); expected one length",
        )

    def test_bollinger_is_the_sma_plus_minus_k_population_deviations(self):
        _, _, close = regression_series()
        bands = k.bollinger(close, 20, 2.0, 1.0)
        middle = k.rolling_mean(close, 20)
        std = k.rolling_std(close, 20, population())
        self.assertColumn(bands.middle, middle)
        self.assertColumn(bands.upper, [m + 2 * s for m, s in zip(middle, std)])
        self.assertColumn(bands.lower, [m - s for m, s in zip(middle, std)])


class ElementWiseTest(KernelsCase):
    def test_log_return_pct_change_diff_shift(self):
        x = [1.0, 2.0, 0.0, 4.0]
        self.assertColumn(k.log_return(x, 1), [NAN, math.log(2), NAN, NAN])
        self.assertColumn(k.pct_change(x, 1), [NAN, 1.0, -1.0, 0.0])
        self.assertColumn(k.diff(x, 2), [NAN, NAN, -1.0, 2.0])
        self.assertColumn(k.shift(x, 1), [NAN, 1.0, 2.0, 0.0])
        self.assertColumn(k.shift(x, 0), x)

    def test_cumulative_sum_skips_nan(self):
        self.assertColumn(k.cumulative_sum([1.0, NAN, 2.0]), [1.0, NAN, 3.0])


if __name__ == "__main__":
    unittest.main()
