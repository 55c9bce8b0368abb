"""Tests of series.py over the stub's plain-Python kernels (../wit-stub): the pandas-like names
reach the right kernel with the right arguments, shapes and NaN warm-ups are as documented, and
arithmetic is IEEE's. Imported by a plugin's tests after `wit_stub.load`, so they run with its
`python3 -m unittest`."""

import math
import unittest

from series import KernelError, Series, atr, first_at_or_after, true_range

NAN = math.nan


class SeriesCase(unittest.TestCase):
    def assertValues(self, got, expected, places=12):
        self.assertIsInstance(got, Series)
        self.assertEqual(len(got), len(expected), f"{got} against {expected}")
        for i, (a, b) in enumerate(zip(got, expected)):
            if math.isnan(b):
                self.assertTrue(math.isnan(a), f"index {i}: {a} (expected NaN) in {got}")
            else:
                self.assertAlmostEqual(a, b, places=places, msg=f"index {i} of {got}")


class WindowTest(SeriesCase):
    def test_rolling_methods_and_the_pandas_spelling_agree(self):
        s = Series([1.0, 2.0, 3.0, 4.0])
        self.assertValues(s.rolling_mean(3), [NAN, NAN, 2.0, 3.0])
        self.assertValues(s.rolling(3).mean(), [NAN, NAN, 2.0, 3.0])
        self.assertValues(s.rolling(2).sum(), [NAN, 3.0, 5.0, 7.0])
        self.assertValues(s.rolling(2).min(), [NAN, 1.0, 2.0, 3.0])
        self.assertValues(s.rolling(2).max(), [NAN, 2.0, 3.0, 4.0])

    def test_std_is_sample_by_default_as_pandas_and_population_with_ddof_0(self):
        s = Series([1.0, 2.0, 3.0, 4.0])
        self.assertValues(s.rolling_std(3), [NAN, NAN, 1.0, 1.0])
        self.assertValues(s.rolling(3).std(ddof=0), [NAN, NAN, math.sqrt(2 / 3), math.sqrt(2 / 3)])
        self.assertValues(s.rolling(3).var(), [NAN, NAN, 1.0, 1.0])
        with self.assertRaisesRegex(KernelError, "ddof 2 is not supported"):
            s.rolling_std(3, ddof=2)

    def test_zscore_population_is_nan_on_a_flat_window(self):
        got = Series([1, 2, 3, 3, 3]).zscore(3, ddof=0)
        self.assertValues(got, [NAN, NAN, 1 / math.sqrt(2 / 3), (3 - 8 / 3) / math.sqrt(2 / 9), NAN])

    def test_rank_and_argmax(self):
        s = Series([3.0, 1.0, 2.0, 5.0])
        self.assertValues(s.rolling(3).rank(), [NAN, NAN, 2.0, 3.0])
        self.assertValues(s.rolling(3).argmax(), [NAN, NAN, 0.0, 3.0])
        self.assertValues(s.rolling(3).argmin(), [NAN, NAN, 1.0, 1.0])


class IndicatorTest(SeriesCase):
    def test_ewm_mean_is_the_talib_ema(self):
        s = Series([1.0, 2.0, 3.0, 6.0, 0.0])
        self.assertValues(s.ewm(3).mean(), [NAN, NAN, 2.0, 4.0, 2.0])
        self.assertValues(s.ema(3), [NAN, NAN, 2.0, 4.0, 2.0])
        self.assertValues(Series([2.0, 4.0, 5.0, 0.0]).wilder(2), [NAN, 3.0, 4.0, 2.0])

    def test_macd_and_bollinger_give_three_series(self):
        close = Series([float(v) for v in range(1, 41)])
        macd, signal, hist = close.macd(12, 26, 9)
        self.assertTrue(all(math.isnan(v) for v in macd[:33]) and not math.isnan(macd[33]))
        self.assertAlmostEqual(hist[39], macd[39] - signal[39], places=12)
        upper, middle, lower = close.bollinger(20, 2.0)
        self.assertValues(middle, close.rolling_mean(20).values)
        self.assertAlmostEqual(upper[19] - middle[19], 2 * math.sqrt((20 * 20 - 1) / 12), places=9)
        self.assertAlmostEqual(middle[19] - lower[19], upper[19] - middle[19], places=12)

    def test_rsi_warms_up_over_period_bars(self):
        got = Series([1.0, 2.0, 1.0, 3.0]).rsi(2)
        self.assertValues(got, [NAN, NAN, 50.0, 100 * 1.25 / 1.5])

    def test_true_range_and_atr_take_series_or_lists(self):
        high, low, close = Series([10.0, 12.0, 11.0]), [9.0, 11.0, 7.0], Series([9.5, 11.5, 8.0])
        self.assertValues(true_range(high, low, close), [NAN, 2.5, 4.5])
        self.assertValues(atr(high, low, close, 2), [NAN, NAN, 3.5])

    def test_a_bad_argument_is_a_kernel_error_with_the_hosts_message(self):
        with self.assertRaises(KernelError) as caught:
            Series([1.0, 2.0]).rsi(1)
        self.assertEqual(str(caught.exception), "rsi: period 1 is out of range 2..=100000")
        self.assertIsInstance(caught.exception, ValueError)


class ElementWiseTest(SeriesCase):
    def test_returns_differences_and_shift(self):
        s = Series([1.0, 2.0, 4.0])
        self.assertValues(s.log_return(), [NAN, math.log(2), math.log(2)])
        self.assertValues(s.pct_change(), [NAN, 1.0, 1.0])
        self.assertValues(s.diff(), [NAN, 1.0, 2.0])
        self.assertValues(s.shift(2), [NAN, NAN, 1.0])
        self.assertValues(s.cumsum(), [1.0, 3.0, 7.0])

    def test_arithmetic_with_series_and_numbers_is_ieee(self):
        a, b = Series([1.0, 0.0, -2.0, NAN]), Series([2.0, 0.0, 0.0, 1.0])
        self.assertValues(a + b, [3.0, 0.0, -2.0, NAN])
        self.assertValues(a - 1, [0.0, -1.0, -3.0, NAN])
        self.assertValues(10 - a, [9.0, 10.0, 12.0, NAN])
        self.assertValues(a * 2, [2.0, 0.0, -4.0, NAN])
        self.assertValues(a / b, [0.5, NAN, -math.inf, NAN])
        self.assertValues(1 / b, [0.5, math.inf, math.inf, 1.0])
        self.assertValues(-a, [-1.0, -0.0, 2.0, NAN])
        self.assertValues(abs(a), [1.0, 0.0, 2.0, NAN])
        self.assertValues(a.fillna(0.0), [1.0, 0.0, -2.0, 0.0])

    def test_series_of_different_lengths_do_not_combine(self):
        with self.assertRaisesRegex(KernelError, "series of different lengths: 2 and 3"):
            Series([1.0, 2.0]) + Series([1.0, 2.0, 3.0])


class ShapeTest(SeriesCase):
    def test_slicing_gives_a_series_and_an_index_a_float(self):
        s = Series([1.0, 2.0, 3.0])
        self.assertValues(s[1:], [2.0, 3.0])
        self.assertEqual(s[-1], 3.0)
        self.assertEqual(s.tolist(), [1.0, 2.0, 3.0])
        self.assertEqual(Series.of(range(3)).values, [0.0, 1.0, 2.0])

    def test_first_at_or_after_finds_the_windows_first_row(self):
        ts = [10, 20, 30, 40]
        self.assertEqual(first_at_or_after(ts, 25), 2)
        self.assertEqual(first_at_or_after(ts, 30), 2)
        self.assertEqual(first_at_or_after(ts, 5), 0)
        self.assertEqual(first_at_or_after(ts, 50), 4)


if __name__ == "__main__":
    unittest.main()
