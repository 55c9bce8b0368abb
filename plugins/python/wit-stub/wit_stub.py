"""A stand-in for the host in a Python plugin's native tests (`python3 -m unittest`): the plugin's
entry module imports the real bindings, and its reader calls are answered from memory as the host
answers them for one unit of work (`wit/reader.wit`, contract 0.2).

    import wit_stub                              # from the plugin's tests, with this folder on sys.path
    plugin_module = wit_stub.load("feature-builder", "zscore")
    from wit_world.imports import plugin, types
    wit_stub.serve(unit, {("EURUSD", types.Timeframe.HOUR1): {"ts": [...], "close": [...]}})
    table = plugin_module.WitWorld().build(unit)

`load` generates the bindings of the world from `wit/` with the pinned componentize-py that
`scripts/build-plugins` installs (`<cargo target dir>/toolchains/python`), into a temporary folder:
componentize-py writes them as plain Python whose imported functions raise NotImplementedError,
so the plugin's types are the real ones. The generated code needs Python 3.11 or later. `serve`
then replaces the reader's functions:

- only the unit's `inputs` are served: a series (symbol and timeframe) no input declares, a field
  it does not declare, a start before its `warm_up_from` or an end after the unit's `as_of` is
  `Err(types.Error_OutOfScope(message))`, the message naming what was declared;
- ranges are inclusive, only the asked-for fields have values (a column a test leaves out reads as
  NaN, volume 0), cursor batches hold at most `batch_rows` bars;
- `aligned` is the point-in-time as-of join: for each row (a bar of `row_symbol` at the unit's
  timeframe with open time in `range`), the last bar of the other series whose close time (open +
  timeframe; a calendar month for MONTH1, the open itself for TICK) is at or before the row's
  close; `None` (prices NaN) before the first such bar;
- `serve(unit, {"error": types.Error_Unavailable()})` fails every call with that error.

`reads` lists every call since the last `serve`, as `(call, symbol, timeframe, range, fields)`.

The `kernels` import (`wit/kernels.wit`) is answered by `../lib/kernels_ref.py`: the same
functions in plain Python, from their documented definitions; the `columns` import
(`wit/columns.wit`) by `../lib/columns_ref.py`, whose columns hold their values in lists. The
reader's `series` read answers as `range` does, into those columns (volume as floats).
"""

import calendar
import datetime
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]

reads = []

_state = {"unit": None, "series": {}, "error": None}
_loaded = {}

# Microseconds per bar of each fixed-length timeframe, by the WIT enum's name.
_STEP = {
    "TICK": 0,
    "MIN1": 60_000_000,
    "MIN5": 300_000_000,
    "MIN15": 900_000_000,
    "MIN30": 1_800_000_000,
    "HOUR1": 3_600_000_000,
    "HOUR4": 14_400_000_000,
    "DAY1": 86_400_000_000,
    "WEEK1": 604_800_000_000,
}

_FIELDS = ("open", "high", "low", "close", "volume")


def _componentize_py():
    target = Path(os.environ.get("CARGO_TARGET_DIR") or REPO / "target")
    tool = target / "toolchains" / "python" / "bin" / "componentize-py"
    if not tool.exists():
        raise RuntimeError(f"{tool} is missing: run scripts/build-plugins (it installs componentize-py)")
    return tool


def loaded_world():
    """The world whose bindings are loaded, or None."""
    return next(iter(_loaded), None)


def load(world, module=None):
    """Generates the bindings of `world` from wit/, puts them on sys.path and imports `module`,
    the plugin's entry module (its folder must be the working directory or on sys.path), if given.
    One world per process: the bindings of every world are the package `wit_world`."""
    if sys.version_info < (3, 11):
        raise RuntimeError(f"the generated bindings need Python 3.11 or later, this is {sys.version.split()[0]}")
    if _loaded and world not in _loaded:
        loaded = next(iter(_loaded))
        raise RuntimeError(f"the bindings of {loaded} are loaded: one world per process (asked for {world})")
    if world not in _loaded:
        out = tempfile.mkdtemp(prefix=f"candlewick-bindings-{world}-")
        subprocess.run(
            [str(_componentize_py()), "-d", str(REPO / "wit"), "-w", world, "bindings", out],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        sys.path.insert(0, out)
        _loaded[world] = out
        _install()
    return __import__(module) if module else None


def _types():
    from wit_world.imports import types

    return types


def close_of(timeframe, open_us):
    """A bar's close time, µs since the Unix epoch: its open plus its timeframe, a calendar month
    for MONTH1."""
    if timeframe.name != "MONTH1":
        return open_us + _STEP[timeframe.name]
    at = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(microseconds=open_us)
    month = at.month % 12 + 1
    year = at.year + (at.month == 12)
    day = min(at.day, calendar.monthrange(year, month)[1])
    closed = at.replace(year=year, month=month, day=day)
    delta = closed - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def serve(unit, series):
    """The unit whose inputs scope the reads, and the stored bars by (symbol, timeframe), each a
    dict of plain lists (`ts`, and the columns the test needs), or `{"error": types.Error_...}`."""
    _state["unit"] = unit
    _state["error"] = series.get("error")
    _state["series"] = {} if _state["error"] is not None else series
    reads.clear()


def _err(error):
    from componentize_py_types import Err

    return Err(error)


def _out_of_scope(message):
    return _err(_types().Error_OutOfScope(message))


def _names(fields):
    return "[" + " ".join(f for f in _FIELDS if getattr(_types().Fields, f.upper()) in fields) + "]"


def _declared():
    items = [
        f"{','.join(i.symbols)} {i.timeframe.name} {_names(i.fields)} from {i.warm_up_from}"
        for i in _state["unit"].inputs
    ]
    return "this unit's inputs: " + "; ".join(items)


def _readable(symbol, timeframe):
    holding = [i for i in _state["unit"].inputs if i.timeframe == timeframe and symbol in i.symbols]
    if not holding:
        raise _out_of_scope(f"{symbol} {timeframe.name} ({_declared()})")
    fields = _types().Fields(0)
    for i in holding:
        fields |= i.fields
    return fields, min(i.warm_up_from for i in holding)


def _check_fields(symbol, timeframe, allowed, fields):
    undeclared = fields & ~allowed
    if undeclared:
        raise _out_of_scope(f"fields {_names(undeclared)} of {symbol} {timeframe.name} (declared: {_names(allowed)})")


def _request(call, symbol, timeframe, span, fields):
    reads.append((call, symbol, timeframe, span, fields))
    if _state["error"] is not None:
        raise _err(_state["error"])
    allowed, start = _readable(symbol, timeframe)
    _check_fields(symbol, timeframe, allowed, fields)
    if span.start < start:
        raise _out_of_scope(f"start {span.start} is before the warm-up start {start}")
    if span.end > _state["unit"].as_of:
        raise _out_of_scope(f"end {span.end} is after the as-of time {_state['unit'].as_of}")
    return _indices(symbol, timeframe, span.start, span.end)


def _bars(symbol, timeframe):
    return _state["series"].get((symbol, timeframe), {"ts": []})


def _indices(symbol, timeframe, start, end):
    return [i for i, t in enumerate(_bars(symbol, timeframe)["ts"]) if start <= t <= end]


def _columns(symbol, timeframe, indices, fields):
    types = _types()
    bars = _bars(symbol, timeframe)

    def column(name, missing):
        if getattr(types.Fields, name.upper()) not in fields:
            return []
        values = bars.get(name)
        return [values[i] if values is not None else missing for i in indices]

    return types.BarColumns(
        ts=[bars["ts"][i] for i in indices],
        open=column("open", math.nan),
        high=column("high", math.nan),
        low=column("low", math.nan),
        close=column("close", math.nan),
        volume=column("volume", 0),
    )


def _range(symbol, timeframe, span, fields):
    return _columns(symbol, timeframe, _request("range", symbol, timeframe, span, fields), fields)


def _series(symbol, timeframe, span, fields):
    from wit_world.imports import columns, reader

    bars = _columns(symbol, timeframe, _request("series", symbol, timeframe, span, fields), fields)
    return reader.SeriesColumns(
        ts=columns.Timestamps(bars.ts),
        open=columns.Column(bars.open),
        high=columns.Column(bars.high),
        low=columns.Column(bars.low),
        close=columns.Column(bars.close),
        volume=columns.Column(float(v) for v in bars.volume),
    )


def _multi_range(symbols, timeframe, span, fields):
    found = [(s, _request("multi-range", s, timeframe, span, fields)) for s in sorted(set(symbols))]
    return [_types().SymbolBars(symbol=s, bars=_columns(s, timeframe, i, fields)) for s, i in found]


class _Cursor:
    def __init__(self, symbol, timeframe, indices, fields, batch_rows):
        self._args = (symbol, timeframe, fields)
        self._indices = indices
        self._batch_rows = batch_rows

    def next_batch(self):
        if _state["error"] is not None:
            raise _err(_state["error"])
        if not self._indices:
            return None
        batch, self._indices = self._indices[: self._batch_rows], self._indices[self._batch_rows :]
        symbol, timeframe, fields = self._args
        return _columns(symbol, timeframe, batch, fields)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None


def _open_range(symbol, timeframe, span, fields, batch_rows):
    if batch_rows == 0:
        raise _err(_types().Error_InvalidArgument("batch-rows is 0 (expected at least 1)"))
    indices = _request("open-range", symbol, timeframe, span, fields)
    return _Cursor(symbol, timeframe, indices, fields, batch_rows)


def _in_scope(call, symbol, timeframe):
    reads.append((call, symbol, timeframe, None, None))
    if _state["error"] is not None:
        raise _err(_state["error"])
    _, start = _readable(symbol, timeframe)
    return _indices(symbol, timeframe, start, _state["unit"].as_of)


def _latest(symbols, timeframe):
    types = _types()
    out = []
    for symbol in sorted(set(symbols)):
        indices = _in_scope("latest", symbol, timeframe)
        if indices:
            bar = _columns(symbol, timeframe, indices[-1:], ~types.Fields(0))
            out.append(
                types.LatestBar(
                    symbol=symbol,
                    ts=bar.ts[0],
                    open=bar.open[0],
                    high=bar.high[0],
                    low=bar.low[0],
                    close=bar.close[0],
                    volume=bar.volume[0],
                )
            )
    return out


def _availability(symbol, timeframe):
    indices = _in_scope("availability", symbol, timeframe)
    ts = _bars(symbol, timeframe)["ts"]
    return _types().AvailabilityInfo(
        count=len(indices),
        earliest=ts[indices[0]] if indices else None,
        latest=ts[indices[-1]] if indices else None,
    )


def _timeframes(symbol):
    declared = {i.timeframe for i in _state["unit"].inputs if symbol in i.symbols}
    return [tf for tf in sorted(declared, key=lambda tf: tf.value) if _availability(symbol, tf).count > 0]


def _summary():
    types = _types()
    pairs = sorted(
        {(s, i.timeframe) for i in _state["unit"].inputs for s in i.symbols}, key=lambda p: (p[0], p[1].value)
    )
    entries = []
    for symbol, timeframe in pairs:
        found = _availability(symbol, timeframe)
        if found.count > 0:
            entries.append(types.AvailabilityEntry(symbol=symbol, timeframe=timeframe, availability=found))
    return entries


def _aligned(row_symbol, symbol, timeframe, span, fields):
    from wit_world.imports import reader

    types = _types()
    unit = _state["unit"]
    row_indices = _request("aligned", row_symbol, unit.timeframe, span, types.Fields(0))
    rows = [_bars(row_symbol, unit.timeframe)["ts"][i] for i in row_indices]
    allowed, start = _readable(symbol, timeframe)
    _check_fields(symbol, timeframe, allowed, fields)
    other = _bars(symbol, timeframe)
    # The other series from its warm-up start, no bar opened after as-of.
    candidates = [i for i, t in enumerate(other["ts"]) if start <= t <= unit.as_of]
    picks = []
    for row in rows:
        row_close = close_of(unit.timeframe, row)
        closed = [i for i in candidates if close_of(timeframe, other["ts"][i]) <= row_close]
        picks.append(closed[-1] if closed else None)

    def floats(name):
        if getattr(types.Fields, name.upper()) not in fields:
            return []
        return [math.nan if i is None else other[name][i] for i in picks]

    return reader.AlignedBars(
        ts=rows,
        source_ts=[None if i is None else other["ts"][i] for i in picks],
        open=floats("open"),
        high=floats("high"),
        low=floats("low"),
        close=floats("close"),
        volume=[None if i is None else other["volume"][i] for i in picks] if types.Fields.VOLUME in fields else [],
    )


def _install():
    """Replaces the generated reader's functions (which raise NotImplementedError) with the stub's,
    and the kernels' and columns' with the plain-Python ones of `kernels_ref` and `columns_ref`
    (when the world imports them)."""
    from wit_world.imports import reader

    try:
        from wit_world.imports import kernels
    except ImportError:  # a WIT without the kernels interface
        kernels = None
    if kernels is not None:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "lib"))
        import kernels_ref

        kernels_ref.install(kernels)
    try:
        from wit_world.imports import columns
    except ImportError:  # a WIT without the columns interface
        columns = None
    if columns is not None:
        import columns_ref

        columns_ref.install(columns)
        reader.series = _series

    reader.range = _range
    reader.multi_range = _multi_range
    reader.open_range = _open_range
    reader.latest = _latest
    reader.availability = _availability
    reader.timeframes = _timeframes
    reader.summary = _summary
    reader.aligned = _aligned
