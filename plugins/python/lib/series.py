"""Columns that read like pandas, held and computed by the host.

numpy and pandas do not exist inside a Python component (componentize-py has no numpy for this
target), and a loop over bars in Python costs microseconds a bar. The host therefore holds whole
columns for the plugin (`wit/columns.wit`, the `columns` import of contract 0.2) and computes
kernels over them natively with TA-Lib's conventions (rolling windows, EMA, RSI, MACD, ATR,
Bollinger Bands, z-score, returns, ...; `wit/kernels.wit`). A `Series` is a handle to such a
column, so a plugin reads like pandas code and no value crosses into Python unless it asks:

    from series import Series, atr

    bars = reader.series(symbol, timeframe, span, fields)   # host-held columns, one read
    close = Series(bars.close)                  # or Series(list_of_floats), copied to the host
    sma = close.rolling_mean(20)                # or close.rolling(20).mean()
    vol = close.log_return().rolling_std(20)    # sample std (ddof=1), as pandas
    rsi = close.rsi(14)
    macd, signal, hist = close.macd(12, 26, 9)
    upper, middle, lower = close.bollinger(20, 2.0)
    spread = (upper - lower) / middle           # arithmetic, element by element
    held = spread[first:].column                # the window's rows, for a columnar table
    as_list = spread[first:].tolist()           # or copied into Python, as a list

**Shapes.** A `Series` is one value per bar, oldest first, held by the host (`.column`, a
`columns.column`; `.values` copies it into a plain list of floats, once).
Every method returns a `Series` of the same length whose value at index `i` belongs to bar `i`.
Slicing (`s[10:]`) gives a `Series`; an index (`s[10]`) a float.

**Warm-up.** A value that does not exist yet is NaN: a window of `period` bars is NaN over the
first `period − 1` bars, RSI and ATR over the first `period`, MACD over `slow − 1 + signal − 1`,
a return or difference over the first `periods` (TA-Lib's look-backs; each method says its own).
Read that many bars before the window (the plan's `warm_up_bars`) and the window's rows are all
defined. A NaN inside a column splits it: windows and recursive indicators start afresh after it
(so `log_return().rolling_std(20)`, whose first value is NaN, is first defined at bar 20).

**Differences from pandas**, all TA-Lib's conventions: `ewm(span).mean()` and `ema(period)` seed
with the mean of the first `span` values and are NaN before (pandas' `ewm` starts at the first
value); `rolling_std` and `rolling_var` take `ddof` 1 (sample, pandas' default) or 0 (population,
TA-Lib's STDDEV); `bollinger` uses the population deviation, as TA-Lib does; `pct_change` is 0
where the earlier value is 0 (TA-Lib's ROCP; pandas gives inf). Arithmetic between series and
numbers is IEEE's: x / 0 is ±inf, 0 / 0 is NaN, NaN propagates.

**Cost.** A kernel or an arithmetic operator (`+ - * /`, `-s`) is one call into the host, which
makes a new column natively: nothing is copied into Python, whatever the column's length. Each
column held counts 8 bytes a value against the unit's memory limit until its `Series` is
collected; a slice shares its source's values, which stay counted while either is held.
`.values`, iteration and `s[i]` copy the values into Python once (microseconds a bar); `abs`,
`fillna` and a list operand loop in Python and copy a new column back into the host: fine for a
few rows, slow for a year of minute bars. A columnar world's table takes `.column` of each output
as it is (`plugin.HeldValues_Held(s.column)`).

**Errors.** An argument out of range (a period of 0, columns of different lengths) or of the
wrong type (a period that is not a whole number from 0 to 2^32 − 1) raises `KernelError` (a
`ValueError`) with the host's message, such as `rsi: period 1 is out of range 2..=100000`; so does
a kernel or operator whose answer would pass the unit's memory limit. Copying a list into the host
(`Series(list)`, `abs`, `fillna`, a list operand) past that limit stops the unit instead, as the
plugin's own memory growing past it would. Catch it in `build`
and return `plugin.PluginError_Failed(str(err))`, or check parameters in `plan` first.

The classes of the import are `wit_world.imports.columns.*` (the bindings componentize-py
generates from `wit/`). Outside a component, where they do not work, the same columns and kernels
in plain Python answer (`columns_ref.py` and `kernels_ref.py`, beside this file): directly when no
bindings can be imported, or through `plugins/python/wit-stub` when a test loads them. So a
plugin's tests run natively, and check the host's values against an independent implementation.
"""

import math
from bisect import bisect_left

try:
    from componentize_py_types import Err
    from wit_world.imports import columns as _columns
    from wit_world.imports import kernels as _kernels
except ModuleNotFoundError as missing:
    # No generated bindings: native tests (`python3 -m unittest`) without them. The same columns
    # and kernels in plain Python, beside this file. In a component the bindings always exist.
    if missing.name not in ("componentize_py_types", "wit_world"):
        raise
    import columns_ref as _columns
    import kernels_ref as _kernels
    from kernels_ref import Err

NAN = math.nan

__all__ = ["KernelError", "Series", "Rolling", "Ewm", "true_range", "atr", "first_at_or_after"]


class KernelError(ValueError):
    """A kernel refused its arguments (or the unit's memory limit); the message says why."""


def _call(kernel, *args):
    try:
        return kernel(*args)
    except Err as err:
        error = err.value
        if isinstance(error, _kernels.KernelError_TooLarge):
            limit = error.value
            raise KernelError(f"columns too large for a kernel call: {limit.what} limit {limit.limit}") from None
        raise KernelError(error.value) from None


def _whole(name, value):
    """A period or lag as the contract takes it, a u32: refused here by name (`KernelError`)
    rather than by the bindings' conversion, which would stop the unit. The kernel checks its own
    range after."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**32:
        raise KernelError(f"{name} {value!r} is not a whole number of bars (expected 0..=4294967295)")
    return value


def _deviation(ddof):
    if ddof == 0:
        return _kernels.Deviation.POPULATION
    if ddof == 1:
        return _kernels.Deviation.SAMPLE
    raise KernelError(f"ddof {ddof!r} is not supported (expected 0, population, or 1, sample)")


def _column(values):
    """A host column of `values`: a Series' own, a column as it is, or a list (or any iterable)
    of numbers copied into the host."""
    if isinstance(values, Series):
        return values.column
    if isinstance(values, _columns.Column):
        return values
    return _columns.Column(values if isinstance(values, list) else [float(v) for v in values])


def _method(kernel):
    """A Series method of one column in, one out: the column's kernel method of that name."""

    def method(self, period):
        return Series(_call(getattr(self.column, kernel), _whole("period", period)))

    return method


class Series:
    """A column of floats, one per bar, oldest first, held by the host (`column`), with
    pandas-like methods computed by the host's kernels. `Series(x)` takes a host column as it is,
    or copies a list of numbers (ints are taken as the nearest float) into the host; `values` is
    the plain list, copied out once."""

    __slots__ = ("column", "_values")

    def __init__(self, values):
        self.column = _column(values)
        self._values = None

    @classmethod
    def of(cls, iterable):
        """A Series of the floats of any iterable (a copy)."""
        return cls([float(v) for v in iterable])

    @property
    def values(self):
        """The values as a plain list, copied from the host on first use (the same list after)."""
        if self._values is None:
            self._values = self.column.values()
        return self._values

    # ---- A list's protocol.

    def __len__(self):
        return self.column.len()

    def __iter__(self):
        return iter(self.values)

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                raise KernelError(f"slice step {step} is not supported (expected 1)")
            return Series(self.column.slice(start, max(start, stop)))
        return self.values[index]

    def __repr__(self):
        n = len(self)
        head = self.column.slice(0, 6).values()
        shown = ", ".join(repr(v) for v in head)
        more = ", ..." if n > 6 else ""
        return f"Series([{shown}{more}], length {n})"

    def tolist(self):
        """The values as a plain list (the same list; copy it before changing it)."""
        return self.values

    # ---- Windows of the last `period` values, this one included: NaN over the first period − 1.

    def rolling(self, period):
        """The windows of `period` bars, pandas style: `s.rolling(20).mean()`."""
        return Rolling(self, period)

    rolling_sum = _method("rolling_sum")
    rolling_sum.__doc__ = """Sum of the last `period` values (TA-Lib SUM). period 1..=100000."""
    rolling_mean = _method("rolling_mean")
    rolling_mean.__doc__ = """Simple moving average of the last `period` values (TA-Lib SMA). period 1..=100000."""

    def rolling_var(self, period, ddof=1):
        """Variance of the window: ddof 1 divides by period − 1 (sample, pandas' default), ddof 0
        by period (population, TA-Lib VAR). period 2..=100000 (1.. for ddof 0)."""
        return Series(_call(self.column.rolling_var, _whole("period", period), _deviation(ddof)))

    def rolling_std(self, period, ddof=1):
        """Standard deviation of the window, the square root of `rolling_var(period, ddof)`; ddof 0
        is TA-Lib's STDDEV."""
        return Series(_call(self.column.rolling_std, _whole("period", period), _deviation(ddof)))

    rolling_min = _method("rolling_min")
    rolling_min.__doc__ = """Lowest value of the window (TA-Lib MIN). period 2..=100000."""
    rolling_max = _method("rolling_max")
    rolling_max.__doc__ = """Highest value of the window (TA-Lib MAX). period 2..=100000."""
    rolling_argmin = _method("rolling_argmin")
    rolling_argmin.__doc__ = """Index (into this series, as a float) of the window's lowest value, the newest of
        equal ones (TA-Lib MININDEX); `i - s.rolling_argmin(n)[i]` is bars since the low."""
    rolling_argmax = _method("rolling_argmax")
    rolling_argmax.__doc__ = """Index of the window's highest value, the newest of equal ones (TA-Lib MAXINDEX)."""
    rolling_rank = _method("rolling_rank")
    rolling_rank.__doc__ = """Rank of each value within its window: 1 lowest .. period highest, ties averaged
        (pandas' `rolling(period).rank()`). period 2..=100000."""

    def zscore(self, period, ddof=1):
        """(x − mean) / std of the window of `period` values, this one included; NaN where the
        window is flat (std 0). ddof as `rolling_std`. period 2..=100000."""
        return Series(_call(self.column.zscore, _whole("period", period), _deviation(ddof)))

    # ---- Smoothing and indicators.

    def ewm(self, span):
        """Exponential weighting, pandas style: `s.ewm(span=20).mean()` is `s.ema(20)`."""
        return Ewm(self, span)

    ema = _method("ema")
    ema.__doc__ = """Exponential moving average, k = 2 / (period + 1), seeded with the mean of the first
        `period` values (TA-Lib EMA): NaN over the first period − 1 bars. period 1..=100000."""
    wilder = _method("wilder")
    wilder.__doc__ = """Wilder's smoothing, s = (s·(period − 1) + x) / period, seeded with the mean of the
        first `period` values (the smoothing of RSI and ATR). NaN over the first period − 1 bars."""

    def rsi(self, period=14):
        """Wilder's relative strength index, 0..100 (TA-Lib RSI): NaN over the first `period` bars;
        0 where there has been neither a gain nor a loss (C TA-Lib). period 2..=100000."""
        return Series(_call(self.column.rsi, _whole("period", period)))

    def macd(self, fast=12, slow=26, signal=9):
        """(macd, signal, hist) as three Series (TA-Lib MACD): fast EMA − slow EMA, its EMA over
        `signal` bars, and their difference. NaN over the first slow − 1 + signal − 1 bars (33 at
        the defaults). fast 2.. below slow; signal 1..=100000."""
        lines = _call(self.column.macd, _whole("fast", fast), _whole("slow", slow), _whole("signal", signal))
        return Series(lines.macd), Series(lines.signal), Series(lines.hist)

    def bollinger(self, period=20, k=2.0, k_down=None):
        """(upper, middle, lower) as three Series (TA-Lib BBANDS over an SMA): middle ± k
        population standard deviations of the window (`k_down` below, when given). NaN over the
        first period − 1 bars. period 2..=100000."""
        bands = _call(
            self.column.bollinger, _whole("period", period), float(k), float(k if k_down is None else k_down)
        )
        return Series(bands.upper), Series(bands.middle), Series(bands.lower)

    # ---- Against the value `periods` bars earlier: NaN over the first `periods` bars.

    def log_return(self, periods=1):
        """ln(x[t] / x[t − periods]); NaN unless both are > 0."""
        return Series(_call(self.column.log_return, _whole("periods", periods)))

    def pct_change(self, periods=1):
        """(x[t] − x[t − periods]) / x[t − periods], a fraction; 0 where the earlier value is 0
        (TA-Lib ROCP)."""
        return Series(_call(self.column.pct_change, _whole("periods", periods)))

    def diff(self, periods=1):
        """x[t] − x[t − periods] (TA-Lib MOM)."""
        return Series(_call(self.column.diff, _whole("periods", periods)))

    def shift(self, periods=1):
        """x[t − periods]: the values moved `periods` bars later. Only the past (periods >= 0): a
        value from a later bar would be look-ahead."""
        return Series(_call(self.column.shift, _whole("periods", periods)))

    def cumsum(self):
        """Running sum from the first bar; a NaN is skipped (NaN at its bar), as pandas does."""
        return Series(_call(self.column.cumulative_sum))

    # ---- Element by element, in the host (IEEE 754: x / 0 is ±inf, 0 / 0 NaN).

    def _combine(self, op, other, reversed_=False):
        op = getattr(_columns.Operator, op)
        if isinstance(other, (Series, _columns.Column)):
            other = _column(other)
            if other.len() != len(self):
                raise KernelError(f"series of different lengths: {len(self)} and {other.len()}")
            if reversed_:
                return Series(_call(other.combine, op, self.column))
            return Series(_call(self.column.combine, op, other))
        if isinstance(other, (list, tuple)):
            return self._combine(op.name, Series(list(other)), reversed_)
        if reversed_:
            return Series(_call(self.column.combine_reversed, op, float(other)))
        return Series(_call(self.column.combine_scalar, op, float(other)))

    def __add__(self, other):
        return self._combine("ADD", other)

    def __radd__(self, other):
        return self._combine("ADD", other, reversed_=True)

    def __sub__(self, other):
        return self._combine("SUBTRACT", other)

    def __rsub__(self, other):
        return self._combine("SUBTRACT", other, reversed_=True)

    def __mul__(self, other):
        return self._combine("MULTIPLY", other)

    def __rmul__(self, other):
        return self._combine("MULTIPLY", other, reversed_=True)

    def __truediv__(self, other):
        return self._combine("DIVIDE", other)

    def __rtruediv__(self, other):
        return self._combine("DIVIDE", other, reversed_=True)

    def __neg__(self):
        return self._combine("SUBTRACT", 0.0, reversed_=True)

    def __abs__(self):
        return Series([abs(x) for x in self.values])

    def fillna(self, value):
        """NaN replaced by `value`."""
        return Series([value if x != x else x for x in self.values])


class Rolling:
    """`series.rolling(period)`: the windows of `period` bars, this one included."""

    __slots__ = ("series", "period")

    def __init__(self, series, period):
        self.series, self.period = series, period

    def sum(self):
        return self.series.rolling_sum(self.period)

    def mean(self):
        return self.series.rolling_mean(self.period)

    def var(self, ddof=1):
        return self.series.rolling_var(self.period, ddof)

    def std(self, ddof=1):
        return self.series.rolling_std(self.period, ddof)

    def min(self):
        return self.series.rolling_min(self.period)

    def max(self):
        return self.series.rolling_max(self.period)

    def argmin(self):
        return self.series.rolling_argmin(self.period)

    def argmax(self):
        return self.series.rolling_argmax(self.period)

    def rank(self):
        return self.series.rolling_rank(self.period)

    def zscore(self, ddof=1):
        return self.series.zscore(self.period, ddof)


class Ewm:
    """`series.ewm(span)`: `.mean()` is TA-Lib's EMA over `span` bars (see `Series.ema`)."""

    __slots__ = ("series", "span")

    def __init__(self, series, span):
        self.series, self.span = series, span

    def mean(self):
        return self.series.ema(self.span)


def true_range(high, low, close):
    """max(high, previous close) − min(low, previous close) per bar (TA-Lib TRANGE); NaN on the
    first bar. Series, host columns or lists of one length."""
    return Series(_call(_columns.Column.true_range, _column(high), _column(low), _column(close)))


def atr(high, low, close, period=14):
    """Average true range: Wilder's smoothing of the true range (TA-Lib ATR); NaN over the first
    `period` bars. period 1..=100000."""
    return Series(_call(_columns.Column.atr, _column(high), _column(low), _column(close), _whole("period", period)))


def first_at_or_after(ts, start):
    """The index of the first timestamp >= `start` in `ts` (ascending: a list, or the host's
    `columns.timestamps` of a `reader.series` read), len(ts) when none: the window's first row, so
    `column[first:]` is the window's rows without a loop over bars."""
    if isinstance(ts, _columns.Timestamps):
        return ts.first_at_or_after(start)
    return bisect_left(ts, start)
