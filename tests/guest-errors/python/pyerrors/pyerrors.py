"""`pyerrors`: a sampler that fails the ways a Python plugin can, one per `case`, for
host/tests/guest_errors.rs. The host must show each failure in the plugin's own words.

- `raise`: an exception nobody catches (a `ValueError`, two frames deep);
- `err`: `raise Err(plugin.PluginError_Failed(...))`, the plugin's own error;
- `type`: a table of the wrong types (strings where floats belong);
- `plan`: `plan` refuses the parameters (`raise Err(plugin.PluginError_InvalidParams(...))`), so
  no unit runs.

Contract 0.2 (`wit/`): `describe` without a warm-up, `plan` declaring the unit's own close.
"""

from typing import List

from componentize_py_types import Err
from wit_world import WitWorld as Sampler
from wit_world.imports import plugin, types


class WitWorld(Sampler):
    def describe(self) -> plugin.PluginInfo:
        return plugin.PluginInfo(
            name="pyerrors",
            version="0.1.0",
            description="fails the ways a Python plugin can",
            params=[
                plugin.ParamSpec(
                    name="case", default=plugin.ParamValue_Text("raise"), description="raise, err, type or plan"
                )
            ],
            outputs=["x"],
        )

    def plan(self, params: List[plugin.Param]) -> plugin.Plan:
        if params[0].value.value == "plan":
            raise Err(plugin.PluginError_InvalidParams('parameter "case" is "plan": refused in plan'))
        own = plugin.Input(
            timeframe=None, symbols=plugin.SymbolSelector_UnitSymbol(), fields=types.Fields.CLOSE, warm_up_bars=0
        )
        return plugin.Plan(inputs=[own])

    def sample(self, unit: plugin.UnitOfWork) -> plugin.Table:
        case = unit.params[0].value.value
        if case == "err":
            raise Err(plugin.PluginError_Failed(f"the plugin's own error on {unit.symbol}"))
        if case == "type":
            values = plugin.ColumnValues_Float(["not", "floats"])
            return plugin.Table(ts=[unit.window.start], columns=[plugin.Column(name="x", values=values)])
        return check(unit.symbol)


def check(symbol):
    raise ValueError(f"no good on {symbol}")
