"""Native tests of the glue (`zscore.py`): `plan` and `build` through the real bindings, the reader
served from memory by ../wit-stub (whose own tests run here too). `python3 -m unittest` in this
folder, after scripts/build-plugins (the bindings are generated with its componentize-py)."""

import math
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "wit-stub"))

import wit_stub  # noqa: E402

zscore = wit_stub.load("columnar-feature-builder", "zscore")

from componentize_py_types import Err  # noqa: E402
from test_wit_stub import ReaderStubTest  # noqa: E402, F401 (the stub's own tests)
from wit_world.imports import plugin, types  # noqa: E402

H = 3_600_000_000


def period(value):
    return plugin.Param(name="period", value=plugin.ParamValue_Int(value))


class PlanTest(unittest.TestCase):
    def test_plan_reads_the_own_close_and_volume_with_period_less_one_bars_of_warm_up(self):
        for p, warm_up in [(20, 19), (2, 1), (500, 499)]:
            got = zscore.WitWorld().plan([period(p)])
            own = plugin.Input(
                timeframe=None,
                symbols=plugin.SymbolSelector_UnitSymbol(),
                fields=types.Fields.CLOSE | types.Fields.VOLUME,
                warm_up_bars=warm_up,
            )
            self.assertEqual(got, plugin.Plan(inputs=[own]))

    def test_plan_refuses_a_bad_period_by_name(self):
        with self.assertRaises(Err) as caught:
            zscore.WitWorld().plan([period(1)])
        self.assertEqual(
            caught.exception.value,
            plugin.PluginError_InvalidParams('parameter "period" must be >= 2 (rolling window in bars), got 1'),
        )

    def test_describe_has_no_warm_up(self):
        info = zscore.WitWorld().describe()
        self.assertFalse(hasattr(info, "warm_up_bars"))
        self.assertEqual(info.outputs, ["log_return", "volume_z"])


class BuildTest(unittest.TestCase):
    def unit(self, warm_up_from):
        """EURUSD 1h, window hours 3..5, the own input scoped from `warm_up_from`."""
        own = plugin.ScopedInput(
            symbols=["EURUSD"],
            timeframe=types.Timeframe.HOUR1,
            fields=types.Fields.CLOSE | types.Fields.VOLUME,
            warm_up_from=warm_up_from,
        )
        return plugin.UnitOfWork(
            symbol="EURUSD",
            timeframe=types.Timeframe.HOUR1,
            window=types.TimeRange(start=3 * H, end=5 * H),
            as_of=5 * H,
            inputs=[own],
            params=[period(3)],
        )

    def test_build_reads_its_input_from_its_warm_up_start_and_returns_the_window(self):
        unit = self.unit(warm_up_from=1 * H)
        bars = {"ts": [h * H for h in range(6)], "close": [1.0, 2.0, 4.0, 4.0, 2.0, 2.0], "volume": [9, 1, 2, 3, 3, 3]}
        wit_stub.serve(unit, {("EURUSD", types.Timeframe.HOUR1): bars})
        table = zscore.WitWorld().build(unit)
        call, symbol, timeframe, span, fields = wit_stub.reads[0]
        self.assertEqual((call, symbol, timeframe), ("series", "EURUSD", types.Timeframe.HOUR1))
        self.assertEqual((span.start, span.end), (1 * H, 5 * H))
        self.assertEqual(fields, types.Fields.CLOSE | types.Fields.VOLUME)
        self.assertEqual(len(wit_stub.reads), 1)
        # Held by the host, times and values: nothing was copied into Python.
        self.assertEqual(table.ts.value.values(), [3 * H, 4 * H, 5 * H])
        returns, zscores = (c.values.value.values() for c in table.columns)
        self.assertEqual(returns[0], 0.0)
        self.assertAlmostEqual(returns[1], math.log(0.5), places=15)
        # Volumes [1, 2, 3] at hour 3: mean 2, population std sqrt(2/3); the 9 of hour 0 is before
        # the warm-up start and never read. Then [2, 3, 3] and [3, 3, 3] (std 0: NaN).
        self.assertAlmostEqual(zscores[0], 1 / math.sqrt(2 / 3), places=12)
        self.assertAlmostEqual(zscores[1], (3 - 8 / 3) / math.sqrt(2 / 9), places=12)
        self.assertTrue(math.isnan(zscores[2]))

    def test_a_reader_error_is_passed_on_as_read(self):
        unit = self.unit(warm_up_from=1 * H)
        wit_stub.serve(unit, {"error": types.Error_Unavailable()})
        with self.assertRaises(Err) as caught:
            zscore.WitWorld().build(unit)
        self.assertEqual(caught.exception.value, plugin.PluginError_Read(types.Error_Unavailable()))


if __name__ == "__main__":
    unittest.main()
