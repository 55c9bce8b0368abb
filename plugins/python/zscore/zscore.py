"""The `zscore` feature builder: log returns and volume z-scores per bar, as a Candlewick Wasm
component (world `feature-builder` of `candlewick:market-data@0.1.0`, built by componentize-py).

This module is the glue: it maps the WIT types of the generated bindings (`wit_world`) to plain
values, reads the unit's bars through the imported reader, and hands them to `compute`; the
math (`compute`) and the parameter checks (`params`) do not import the bindings and are tested
natively (`test_zscore.py`).
"""

from componentize_py_types import Err
from wit_world import WitWorld as FeatureBuilder
from wit_world.imports import plugin, reader, types

import compute
import params

NAME = "zscore"
VERSION = "0.1.0"
OUTPUTS = ["log_return", "volume_z"]

# Bars per cursor batch, the 16,384 every Candlewick plugin asks for (why: guest_support::BATCH_ROWS
# in plugins/guest-support/src/batch.rs): the host's own default cap on a batch, so asking for more
# gains nothing; at most 768 KiB of columns a call; a year of minute bars in 33 calls. Written here,
# not imported, because componentize-py bundles this folder only.
BATCH_ROWS = 16_384

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
            # The z-score needs `period` volumes; one more bar would serve the first log return,
            # but the z-score is the longer look-back.
            warm_up_bars=default,
        )

    def build(self, unit: plugin.UnitOfWork) -> plugin.Table:
        try:
            parsed = params.parse((p.name, _KINDS[type(p.value)], p.value.value) for p in unit.params)
        except params.InvalidParams as err:
            raise Err(plugin.PluginError_InvalidParams(str(err)))
        ts, close, volume = read_unit_bars(unit)
        rows, returns, zscores = compute.features_in_window(
            ts, close, volume, unit.window.start, unit.window.end, parsed.period
        )
        return plugin.Table(
            ts=rows,
            columns=[
                plugin.Column(name=OUTPUTS[0], values=plugin.ColumnValues_Float(returns)),
                plugin.Column(name=OUTPUTS[1], values=plugin.ColumnValues_Float(zscores)),
            ],
        )


def read_unit_bars(unit):
    """(ts, close, volume) of the unit's bars from `warm-up-from` to the window's end, streamed."""
    span = types.TimeRange(start=unit.warm_up_from, end=unit.window.end)
    # Only the columns the features use: the host selects just these from the database.
    fields = types.Fields.CLOSE | types.Fields.VOLUME
    ts, close, volume = [], [], []
    try:
        with reader.open_range(unit.symbol, unit.timeframe, span, fields, BATCH_ROWS) as cursor:
            while (batch := cursor.next_batch()) is not None:
                n = len(batch.ts)
                if len(batch.close) != n or len(batch.volume) != n:
                    # The host broke the contract (one value per bar in each asked-for column).
                    raise Err(
                        plugin.PluginError_Failed(
                            f"reader returned a batch of {n} timestamps with {len(batch.close)} close "
                            f"and {len(batch.volume)} volume values (expected {n} of each)"
                        )
                    )
                ts.extend(batch.ts)
                close.extend(batch.close)
                volume.extend(batch.volume)
    except Err as err:
        if isinstance(err.value, plugin.PluginError_Failed):
            raise
        # A reader error (`types.Error`): passed on for the host to report.
        raise Err(plugin.PluginError_Read(err.value))
    return ts, close, volume
