"""The `{{name}}` feature builder: the rolling mean of the close over `period` bars, as a Candlewick
Wasm component (world `feature-builder` of `candlewick:market-data@0.2.0`, built by componentize-py).

This module is the glue: it declares what the plugin reads for its parameters (`plan`), reads the
unit's bars through the imported reader (`wit_world`, the bindings componentize-py generates at
build time) and maps them to and from plain values; `compute.py` holds the math, composed of the
host's native kernels through `series.py` (numpy and pandas do not exist in a component), without
the reader, so it is tested natively (`python3 -m unittest`). Change both, then `expected.csv` of
the scenario.
"""

from typing import List

from componentize_py_types import Err
from wit_world import WitWorld as FeatureBuilder
from wit_world.imports import plugin, reader, types

import compute
from series import KernelError, first_at_or_after

PERIOD_DEFAULT = 5

# The kernels take periods up to 100,000 bars.
PERIOD_MAX = 100_000

# Bars per cursor batch, the 16,384 every Candlewick plugin asks for (why: guest_support::BATCH_ROWS
# in plugins/guest-support/src/batch.rs): the host's own default cap on a batch, so asking for more
# gains nothing; at most 768 KiB of columns a call; a year of minute bars in 33 calls. Written here,
# not imported, because componentize-py bundles this folder only.
BATCH_ROWS = 16_384

# The value columns the plugin reads: the host serves these and no others.
FIELDS = types.Fields.CLOSE

# The plan has one input, the unit's own series; the unit carries it, scoped, at this index.
OWN_SERIES = 0


class WitWorld(FeatureBuilder):
    """The exported functions; componentize-py looks this class up by name."""

    def describe(self) -> plugin.PluginInfo:
        return plugin.PluginInfo(
            name="{{name}}",
            version="0.1.0",
            description="rolling mean of the close, per bar",
            params=[
                plugin.ParamSpec(
                    name="period",
                    default=plugin.ParamValue_Int(PERIOD_DEFAULT),
                    description="bars in the rolling mean (1 to 100000)",
                )
            ],
            outputs=["mean_close"],
        )

    def plan(self, params: List[plugin.Param]) -> plugin.Plan:
        period = period_of(params)
        # One input: the unit's own series (timeframe None: the unit's), only the close, and the
        # bars before the window that the mean on its first bar needs.
        own = plugin.Input(
            timeframe=None,
            symbols=plugin.SymbolSelector_UnitSymbol(),
            fields=FIELDS,
            warm_up_bars=compute.warm_up_bars(period),
        )
        return plugin.Plan(inputs=[own])

    def build(self, unit: plugin.UnitOfWork) -> plugin.Table:
        period = period_of(unit.params)
        ts, close = read_close(unit)
        try:
            means = compute.rolling_mean(close, period)
        except KernelError as err:
            # A kernel refused its arguments: nothing this unit can fix, so the unit fails saying so.
            raise Err(plugin.PluginError_Failed(str(err)))
        # The bars are ascending and end at the window's end: the window's rows are a suffix.
        first = first_at_or_after(ts, unit.window.start)
        return plugin.Table(
            ts=ts[first:],
            columns=[plugin.Column(name="mean_close", values=plugin.ColumnValues_Float(means[first:]))],
        )


def period_of(params):
    """The `period` parameter. The host has filled in the defaults and checked names and types
    against `describe`; the range is ours to check, in `plan`, before any unit runs."""
    period = PERIOD_DEFAULT
    for param in params:
        if param.name == "period" and isinstance(param.value, plugin.ParamValue_Int):
            period = param.value.value
    if not 1 <= period <= PERIOD_MAX:
        raise Err(
            plugin.PluginError_InvalidParams(f'parameter "period" must be from 1 to {PERIOD_MAX} (bars), got {period}')
        )
    return period


def read_close(unit):
    """(ts, close) of the unit's bars from its input's `warm-up-from` to the window's end."""
    own = unit.inputs[OWN_SERIES]
    span = types.TimeRange(start=own.warm_up_from, end=unit.window.end)
    ts, close = [], []
    try:
        with reader.open_range(unit.symbol, own.timeframe, span, FIELDS, BATCH_ROWS) as cursor:
            while (batch := cursor.next_batch()) is not None:
                ts.extend(batch.ts)
                close.extend(batch.close)
    except Err as err:
        # A reader error (a `types.Error` variant): passed on for the host to report.
        raise Err(plugin.PluginError_Read(err.value))
    return ts, close
