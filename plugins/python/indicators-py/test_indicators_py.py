"""Native tests of indicators-py: the columns against TA-Lib's published values, the parameters and
warm-ups against the Rust plugin's documented ones, start-invariance on real EURUSD bars, and the
glue (`plan`, `build`) through the real bindings with ../wit-stub serving the reader and the
kernels (in plain Python). `python3 -m unittest` in this folder, after scripts/build-plugins (the
bindings are generated with its componentize-py). The stub's and `series`' own tests run here
too. That the component's values equal the Rust plugin's is checked through the host:
host/tests/guest_kernels.rs."""

import csv
import math
import sys
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
sys.path[:0] = [str(HERE.parent / "wit-stub"), str(HERE.parent / "lib")]

import wit_stub  # noqa: E402

indicators_py = wit_stub.load("columnar-feature-builder", "indicators_py")

import compute  # noqa: E402
import params  # noqa: E402
from componentize_py_types import Err  # noqa: E402
from test_kernels_ref import *  # noqa: E402, F401, F403 (the stub kernels' own tests)
from test_series import *  # noqa: E402, F401, F403 (series' own tests)
from wit_world.imports import plugin, types  # noqa: E402

H = 3_600_000_000


def column(name, columns):
    return columns[compute.OUTPUTS.index(name)]


def regression_bars():
    """TA-Lib's 252 daily regression bars (tests/fixtures/talib): (close, high, low)."""
    with open(REPO / "tests" / "fixtures" / "talib" / "ta_regtest_daily_252.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    return tuple([float(r[name]) for r in rows] for name in ("close", "high", "low"))


def eurusd_bars():
    """2,616 EURUSD 1h mid bars of 2017 (plugins/indicators/tests/fixtures/eurusd-1h-mid)."""
    path = REPO / "plugins" / "indicators" / "tests" / "fixtures" / "eurusd-1h-mid" / "bars.csv"
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return tuple([float(r[name]) for r in rows] for name in ("close", "high", "low"))


class PublishedValuesTest(unittest.TestCase):
    """TA-Lib's regression values (ta_regtest), to the 4 decimals it publishes."""

    def test_sma_30_rsi_14_and_macd_12_26_9(self):
        close, high, low = regression_bars()
        columns = compute.compute(close, high, low, params.parse([("sma_period", 30)]))
        sma, rsi = column("sma", columns), column("rsi", columns)
        self.assertTrue(all(math.isnan(v) for v in sma[:29]))
        self.assertEqual((round(sma[29], 4), round(sma[251], 2)), (90.4263, 108.42))
        self.assertEqual(round(rsi[14], 4), 49.1473)
        macd, signal, hist = (column(name, columns) for name in ("macd", "macd_signal", "macd_hist"))
        self.assertEqual((round(macd[33], 4), round(signal[33], 4), round(hist[33], 4)), (-1.9738, -2.7071, 0.7333))

    def test_first_value_of_each_column_is_at_its_look_back(self):
        # The Rust plugin's compute.rs test: the same look-backs at the defaults.
        close, high, low = regression_bars()
        columns = compute.compute(close, high, low, params.Params())
        first = {"sma": 19, "ema": 19, "rsi": 14, "macd": 33, "macd_signal": 33, "macd_hist": 33, "atr": 14}
        first.update({"bb_upper": 19, "bb_middle": 19, "bb_lower": 19, "log_return": 1, "volatility": 20})
        for name, at in first.items():
            values = column(name, columns).values
            self.assertTrue(all(math.isnan(v) for v in values[:at]), name)
            self.assertTrue(all(math.isfinite(v) for v in values[at:]), name)

    def test_volatility_is_the_sample_std_of_log_returns(self):
        close, high, low = regression_bars()
        columns = compute.compute(close, high, low, params.Params())
        returns = [math.log(close[i] / close[i - 1]) for i in range(1, 21)]
        mean = sum(returns) / 20
        std = math.sqrt(sum((r - mean) ** 2 for r in returns) / 19)
        self.assertAlmostEqual(column("volatility", columns)[20], std, places=14)
        self.assertAlmostEqual(column("log_return", columns)[1], returns[0], places=15)


class ParamsTest(unittest.TestCase):
    def test_warm_up_is_the_rust_plugins(self):
        # plugins/indicators/README.md: 517 at the defaults (MACD's), still 517 with sma_period
        # 200, 30 + 816 = 846 with rsi_period 30.
        self.assertEqual(params.Params().warm_up_bars, 517)
        self.assertEqual(params.parse([("sma_period", 200)]).warm_up_bars, 517)
        self.assertEqual(params.parse([("rsi_period", 30)]).warm_up_bars, 846)
        self.assertEqual(dict(params.Params().warm_up_by_column())["ema"], 19 + 277)

    def test_bad_parameters_are_refused_with_the_rust_plugins_messages(self):
        cases = [
            ([("sma_period", 0)], 'parameter "sma_period" is 0 (expected 1..=100000 bars)'),
            ([("rsi_period", 100_001)], 'parameter "rsi_period" is 100001 (expected 2..=100000 bars)'),
            ([("macd_fast", 26)], "macd_fast 26 must be below macd_slow 26"),
            ([("bb_stddev", 0.0)], 'parameter "bb_stddev" is 0.0 (expected a finite number above 0)'),
        ]
        for given, message in cases:
            with self.assertRaises(params.InvalidParams) as caught:
                params.parse(given)
            self.assertEqual(str(caught.exception), message)

    def test_an_int_bb_stddev_is_that_float(self):
        self.assertEqual(params.parse([("bb_stddev", 3)]).bb_stddev, 3.0)


class StartInvarianceTest(unittest.TestCase):
    def test_the_window_read_from_the_declared_warm_up_equals_the_whole_history(self):
        # The Rust plugin's rule: every column within 1e-9 relative of a run over everything, NaN
        # exactly where it is; from one bar less of warm-up, the RSI breaks it.
        close, high, low = eurusd_bars()
        p = params.Params()
        start = 1500
        whole = compute.compute(close, high, low, p)
        first = start - p.warm_up_bars
        part = compute.compute(close[first:], high[first:], low[first:], p)
        for name, a, b in zip(compute.OUTPUTS, whole, part):
            for x, y in zip(a.values[start:], b.values[start - first :]):
                self.assertTrue(
                    (math.isnan(x) and math.isnan(y)) or abs(x - y) <= 1e-9 * max(abs(x), abs(y), close[start]),
                    f"{name}: {x} against {y}",
                )


class GlueTest(unittest.TestCase):
    def test_describe_lists_the_rust_plugins_parameters_and_outputs(self):
        info = indicators_py.WitWorld().describe()
        self.assertEqual(info.name, "indicators-py")
        self.assertEqual([p.name for p in info.params], [name for name, _, _, _ in params.SPECS])
        self.assertEqual(info.params[8].default, plugin.ParamValue_Float(2.0))
        self.assertEqual(info.outputs, list(compute.OUTPUTS))

    def test_plan_reads_close_high_and_low_with_the_warm_up(self):
        got = indicators_py.WitWorld().plan([])
        own = plugin.Input(
            timeframe=None,
            symbols=plugin.SymbolSelector_UnitSymbol(),
            fields=types.Fields.CLOSE | types.Fields.HIGH | types.Fields.LOW,
            warm_up_bars=517,
        )
        self.assertEqual(got, plugin.Plan(inputs=[own]))

    def test_plan_refuses_a_bad_parameter(self):
        with self.assertRaises(Err) as caught:
            indicators_py.WitWorld().plan([plugin.Param(name="sma_period", value=plugin.ParamValue_Int(0))])
        self.assertEqual(
            caught.exception.value,
            plugin.PluginError_InvalidParams('parameter "sma_period" is 0 (expected 1..=100000 bars)'),
        )

    def test_build_returns_the_window_computed_over_the_warm_up(self):
        close, high, low = regression_bars()
        ts = [i * H for i in range(len(close))]
        own = plugin.ScopedInput(
            symbols=["X"], timeframe=types.Timeframe.HOUR1, fields=indicators_py.FIELDS, warm_up_from=0
        )
        unit = plugin.UnitOfWork(
            symbol="X",
            timeframe=types.Timeframe.HOUR1,
            window=types.TimeRange(start=100 * H, end=251 * H),
            as_of=251 * H,
            inputs=[own],
            params=[],
        )
        wit_stub.serve(unit, {("X", types.Timeframe.HOUR1): {"ts": ts, "close": close, "high": high, "low": low}})
        table = indicators_py.WitWorld().build(unit)
        # Every column comes back held by the host, the rows of the window only.
        self.assertIsInstance(table.ts, plugin.HeldTimes_Held)
        self.assertEqual(table.ts.value.values(), ts[100:])
        self.assertEqual([c.name for c in table.columns], list(compute.OUTPUTS))
        expected = compute.compute(close, high, low, params.Params())
        for got, want in zip(table.columns, expected):
            self.assertIsInstance(got.values, plugin.HeldValues_Held)
            self.assertEqual(got.values.value.values(), want.values[100:])
        # One read: the series, from the warm-up start to the window's end.
        self.assertEqual([r[0] for r in wit_stub.reads], ["series"])


if __name__ == "__main__":
    unittest.main()
