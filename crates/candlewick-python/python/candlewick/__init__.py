"""Candlewick from Python: run a plugin over a DataFrame in-process, read a job's output.

``run`` is the fixture host (``candlewick test``) as a library: the plugin runs through the same
runtime, scope and limits as a job, served from the bars you hand it, in this process. ``read``
gives a dataset of a ``candlewick run`` output as one table, following its manifest.

Tables cross between Python and the host through the Arrow C stream interface (the Arrow PyCapsule
protocol): a pyarrow Table, a pandas DataFrame (pandas >= 2.2) or a polars DataFrame is read
without a copy or CSV, and results come back as ``pyarrow.Table`` (``.to_pandas()``,
``polars.from_arrow(...)``).

Errors are the host's messages, raised as ``CandlewickError`` or its subclasses ``BarsError`` (the
bars are not valid bars: the row and field are named) and ``PluginError`` (the plugin trapped, hit
a limit, returned an error or a malformed table). A plugin that misbehaves cannot take the
interpreter down with it: it runs in its own sandboxed store.
"""

from __future__ import annotations

import datetime as _dt
import os
from typing import Any, Mapping, Optional, Tuple, Union

import pyarrow as pa

from . import _native
from ._native import BarsError, CandlewickError, PluginError

__all__ = ["run", "read", "CandlewickError", "BarsError", "PluginError", "__version__"]
__version__: str = _native.__version__

#: A point in time as ``run`` takes it: ``datetime`` (naive is UTC), ``date``, pandas ``Timestamp``,
#: or text such as ``"2018-03-01"`` or ``"2018-03-01T12:00:00Z"``.
Instant = Union[_dt.datetime, _dt.date, str]


def run(
    plugin: Union[str, os.PathLike],
    bars: Any,
    *,
    params: Optional[Mapping[str, Union[bool, int, float, str]]] = None,
    symbol: Optional[str] = None,
    timeframe: Optional[str] = None,
    window: Optional[Tuple[Optional[Instant], Optional[Instant]]] = None,
    as_of: Optional[Instant] = None,
) -> pa.Table:
    """Runs the plugin component at ``plugin`` (a ``.wasm`` file) over ``bars``.

    ``bars``: a pyarrow Table, or a pandas or polars DataFrame, with the columns a bar file has
    (``ts``, ``open``, ``high``, ``low``, ``close``, optionally ``volume``, ``symbol``,
    ``timeframe``; the names ``candlewick ingest`` accepts). ``ts`` is the bar's open time: a
    timestamp column (a zone-less one is UTC), a date, or epoch numbers. A pandas DataFrame indexed
    by time has its index taken as ``ts``. Rows must be in time order within each series.

    ``symbol``, ``timeframe``: the series to run on (default: the bars' only one), and those of
    bars without such columns. ``window``: ``(start, end)``, inclusive, either may be None
    (default: the first and last bar). ``as_of``: the latest instant the plugin may read (default:
    the window's end). ``params``: the plugin's parameters by name; the rest take their defaults.

    Returns the plugin's output: ``ts`` (UTC microsecond timestamps), then its columns, one row per
    output row of the window. A cross-section plugin runs over every symbol of ``bars`` at the
    timeframe and returns the requested symbol's rows.

    Raises ``BarsError`` for invalid bars (``bars: row 3: high: ...``), ``PluginError`` when the
    plugin fails, ``CandlewickError`` for anything else (no such file, unknown parameter, a window
    outside the bars), ``TypeError`` for arguments of the wrong type.
    """
    start, end = window if window is not None else (None, None)
    stream = _native.run(
        os.fspath(plugin),
        _arrow_stream(bars),
        dict(params or {}),
        symbol=symbol,
        timeframe=timeframe,
        start=_instant(start, "window start"),
        end=_instant(end, "window end"),
        as_of=_instant(as_of, "as_of"),
    )
    return pa.RecordBatchReader.from_stream(stream).read_all()


def read(output: Union[str, os.PathLike], dataset: str) -> pa.Table:
    """Reads dataset ``dataset`` (a plugin entry's name, or the joined table's) of the job output
    folder ``output`` as one table: the files its manifest lists as current (every shard's
    manifest, when the job ran in shards), with a ``symbol`` column, sorted by symbol.

    Raises ``CandlewickError`` when the folder has no manifest, the manifest has no such dataset
    (the message lists those it has) or a listed file cannot be read.
    """
    stream = _native.read(os.fspath(output), dataset)
    return pa.RecordBatchReader.from_stream(stream).read_all()


def _arrow_stream(bars: Any) -> Any:
    """``bars`` as an object with ``__arrow_c_stream__``: pyarrow and polars objects have it; a
    pandas DataFrame is converted by pyarrow (its time index, if any, becomes ``ts``)."""
    try:
        import pandas as pd  # noqa: PLC0415 - optional dependency
    except ImportError:
        pd = None
    if pd is not None and isinstance(bars, pd.DataFrame):
        if isinstance(bars.index, pd.DatetimeIndex):
            bars = bars.rename_axis(bars.index.name or "ts").reset_index()
        return pa.Table.from_pandas(bars, preserve_index=False)
    if hasattr(bars, "__arrow_c_stream__"):
        return bars
    raise TypeError(
        f"bars: expected a pyarrow Table, or a pandas or polars DataFrame, got {type(bars).__name__}"
    )


def _instant(value: Optional[Instant], name: str) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (_dt.datetime, _dt.date)):  # pandas Timestamp is a datetime
        return value.isoformat()
    raise TypeError(f"{name}: expected a datetime, date or str, got {type(value).__name__}")
