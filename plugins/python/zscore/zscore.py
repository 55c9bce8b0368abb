"""The `zscore` feature builder: log returns and volume z-scores per bar, as a Candlewick Wasm
component (world `columnar-feature-builder` of `candlewick:market-data@0.2.0`, built by
componentize-py).

This module is the glue: it maps the WIT types of the generated bindings (`wit_world`) to plain
values, declares what the plugin reads (`plan`), reads the unit's bars into columns the host holds
(`reader.series`), and hands them to `compute`, which asks the host's kernels through `series`
(plugins/python/lib) and returns the window's rows as host columns: no value is copied into
Python. The math and the parameters with the warm-up they need (`params`) do not touch the reader
and are tested natively (`test_zscore.py`).
"""

from typing import List

from componentize_py_types import Err
from wit_world import WitWorld as FeatureBuilder
from wit_world.imports import plugin, reader, types

import compute
import params
from series import KernelError

NAME = "zscore"
VERSION = "0.2.0"
OUTPUTS = ["log_return", "volume_z"]

# The value columns the features read: the host serves these and no others.
FIELDS = types.Fields.CLOSE | types.Fields.VOLUME

# The plan has one input, the unit's own series; the unit carries it, scoped, at this index.
OWN_SERIES = 0

# The WIT case of a parameter value, by its generated class, as `params.parse` names it.
_KINDS = {
    plugin.ParamValue_Int: "int",
    plugin.ParamValue_Float: "float",
    plugin.ParamValue_Text: "text",
    plugin.ParamValue_Boolean: "boolean",
}


class WitWorld(FeatureBuilder):
    """The exported functions; componentize-py looks this class up by name."""

    def describe(self) -> plugin.PluginInfo:
        name, default, description = params.PERIOD
        return plugin.PluginInfo(
            name=NAME,
            version=VERSION,
            description="log return of close and z-score of volume over a rolling window, per bar",
            params=[plugin.ParamSpec(name=name, default=plugin.ParamValue_Int(default), description=description)],
            outputs=list(OUTPUTS),
        )

    def plan(self, given: List[plugin.Param]) -> plugin.Plan:
        parsed = parse_params(given)
        own = plugin.Input(
            timeframe=None,  # the unit's own
            symbols=plugin.SymbolSelector_UnitSymbol(),
            fields=FIELDS,
            warm_up_bars=parsed.warm_up_bars,
        )
        return plugin.Plan(inputs=[own])

    def build(self, unit: plugin.UnitOfWork) -> plugin.HeldTable:
        parsed = parse_params(unit.params)
        bars = read_own_bars(unit)
        try:
            rows, returns, zscores = compute.columns_in_window(
                bars, unit.window.start, unit.window.end, parsed.period
            )
        except KernelError as err:
            # A kernel refused (the unit's memory limit): the unit fails, saying why.
            raise Err(plugin.PluginError_Failed(str(err)))
        return plugin.HeldTable(
            ts=plugin.HeldTimes_Held(rows),
            columns=[
                plugin.HeldColumn(name=OUTPUTS[0], values=plugin.HeldValues_Held(returns.column)),
                plugin.HeldColumn(name=OUTPUTS[1], values=plugin.HeldValues_Held(zscores.column)),
            ],
        )


def parse_params(given):
    """`params.Params` from the WIT parameters; a bad one is the plugin's `invalid-params` error."""
    try:
        return params.parse((p.name, _KINDS[type(p.value)], p.value.value) for p in given)
    except params.InvalidParams as err:
        raise Err(plugin.PluginError_InvalidParams(str(err)))


def read_own_bars(unit):
    """The unit's bars from its input's `warm-up-from` (`period - 1` bars before the window, or
    the series' first bar) to the window's end, as columns the host holds
    (`reader.SeriesColumns`: `ts`, `close`, `volume`; one reader call)."""
    own = unit.inputs[OWN_SERIES]
    span = types.TimeRange(start=own.warm_up_from, end=unit.window.end)
    try:
        return reader.series(unit.symbol, own.timeframe, span, FIELDS)
    except Err as err:
        # A reader error (`types.Error`): passed on for the host to report.
        raise Err(plugin.PluginError_Read(err.value))
