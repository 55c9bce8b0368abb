"""The `indicators-py` feature builder: the Rust `indicators` plugin's twelve columns (SMA, EMA,
RSI, MACD, ATR, Bollinger Bands, log return, volatility) written in Python over the host's native
kernels, as a Candlewick Wasm component (world `columnar-feature-builder` of
`candlewick:market-data@0.2.0`, built by componentize-py).

This module is the glue: it declares what the plugin reads (`plan`), reads the unit's bars into
columns the host holds (`reader.series`), hands them to `compute`, which composes kernels through
`series`, and returns the window's rows as those columns: no value is copied into Python. The
parameters and their warm-up are in `params`. Neither imports the reader, so both are tested
natively (`test_indicators_py.py`, the columns and kernels answered by ../wit-stub).
"""

from typing import List

from componentize_py_types import Err
from wit_world import WitWorld as FeatureBuilder
from wit_world.imports import plugin, reader, types

import compute
import params
from series import KernelError, Series

NAME = "indicators-py"
VERSION = "0.1.0"

# The value columns the features read: the host serves these and no others.
FIELDS = types.Fields.CLOSE | types.Fields.HIGH | types.Fields.LOW

# The plan has one input, the unit's own series; the unit carries it, scoped, at this index.
OWN_SERIES = 0

# A warm-up is a u32 in the contract.
MAX_WARM_UP = 2**32 - 1


def _default(value):
    if isinstance(value, float):
        return plugin.ParamValue_Float(value)
    return plugin.ParamValue_Int(value)


class WitWorld(FeatureBuilder):
    """The exported functions; componentize-py looks this class up by name."""

    def describe(self) -> plugin.PluginInfo:
        return plugin.PluginInfo(
            name=NAME,
            version=VERSION,
            description="SMA, EMA, RSI, MACD, ATR and Bollinger Bands (TA-Lib conventions), log returns and "
            "their rolling volatility, per bar, from the host's kernels",
            params=[
                plugin.ParamSpec(name=name, default=_default(default), description=description)
                for name, default, _, description in params.SPECS
            ],
            outputs=list(compute.OUTPUTS),
        )

    def plan(self, given: List[plugin.Param]) -> plugin.Plan:
        parsed = parse_params(given)
        warm_up = parsed.warm_up_bars
        if warm_up > MAX_WARM_UP:
            raise Err(plugin.PluginError_InvalidParams(f"these parameters need {warm_up} bars of warm-up"))
        own = plugin.Input(
            timeframe=None,  # the unit's own
            symbols=plugin.SymbolSelector_UnitSymbol(),
            fields=FIELDS,
            warm_up_bars=warm_up,
        )
        return plugin.Plan(inputs=[own])

    def build(self, unit: plugin.UnitOfWork) -> plugin.HeldTable:
        parsed = parse_params(unit.params)
        bars = read_own_bars(unit)
        try:
            columns = compute.compute(Series(bars.close), Series(bars.high), Series(bars.low), parsed)
        except KernelError as err:
            raise Err(plugin.PluginError_Failed(str(err)))
        # The bars are ascending and end at the window's end: the window is a suffix.
        first, end = bars.ts.first_at_or_after(unit.window.start), bars.ts.len()
        return plugin.HeldTable(
            ts=plugin.HeldTimes_Held(bars.ts.slice(first, end)),
            columns=[
                plugin.HeldColumn(name=name, values=plugin.HeldValues_Held(column[first:].column))
                for name, column in zip(compute.OUTPUTS, columns)
            ],
        )


def parse_params(given):
    """`params.Params` from the WIT parameters; a bad one is the plugin's `invalid-params` error."""
    try:
        return params.parse((p.name, p.value.value) for p in given)
    except params.InvalidParams as err:
        raise Err(plugin.PluginError_InvalidParams(str(err)))


def read_own_bars(unit):
    """The unit's bars from its input's `warm-up-from` to the window's end, as columns the host
    holds (`reader.SeriesColumns`: `ts`, `close`, `high`, `low`; one reader call)."""
    own = unit.inputs[OWN_SERIES]
    span = types.TimeRange(start=own.warm_up_from, end=unit.window.end)
    try:
        return reader.series(unit.symbol, own.timeframe, span, FIELDS)
    except Err as err:
        # A reader error (`types.Error`): passed on for the host to report.
        raise Err(plugin.PluginError_Read(err.value))
