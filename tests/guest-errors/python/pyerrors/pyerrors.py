"""`pyerrors`: a sampler that fails the ways a Python plugin can, one per `case`, for
host/tests/guest_errors.rs. The host must show each failure in the plugin's own words.

- `raise`: an exception nobody catches (a `ValueError`, two frames deep);
- `err`: `raise Err(plugin.PluginError_Failed(...))`, the plugin's own error;
- `type`: a table of the wrong types (strings where floats belong).
"""

from componentize_py_types import Err
from wit_world import WitWorld as Sampler
from wit_world.imports import plugin


class WitWorld(Sampler):
    def describe(self) -> plugin.PluginInfo:
        return plugin.PluginInfo(
            name="pyerrors",
            version="0.1.0",
            description="fails the ways a Python plugin can",
            params=[
                plugin.ParamSpec(
                    name="case", default=plugin.ParamValue_Text("raise"), description="raise, err or type"
                )
            ],
            outputs=["x"],
            warm_up_bars=0,
        )

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
