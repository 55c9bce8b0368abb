"""Columns that read like pandas, computed by the host's native kernels.

numpy and pandas do not exist inside a Python component (componentize-py has no numpy for this
target), and a loop over bars in Python costs microseconds a bar. The host therefore offers
vectorised kernels over whole columns (`wit/kernels.wit`, the `kernels` import of contract 0.2:
rolling windows, EMA, RSI, MACD, ATR, Bollinger Bands, z-score, returns, ...), computed natively
with TA-Lib's conventions. This module wraps them so a plugin reads like pandas code:

    from series import Series, atr

    close = Series(batch_close)                 # a list of floats, one per bar, oldest first
    sma = close.rolling_mean(20)                # or close.rolling(20).mean()
    vol = close.log_return().rolling_std(20)    # sample std (ddof=1), as pandas
    rsi = close.rsi(14)
    macd, signal, hist = close.macd(12, 26, 9)
    upper, middle, lower = close.bollinger(20, 2.0)
    spread = (upper - lower) / middle           # arithmetic, element by element
    table_values = spread[first:].tolist()      # the rows of the window, as a list

**Shapes.** A `Series` is one value per bar, oldest first (`.values`, a plain list of floats).
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

**Cost.** Each kernel call hands the column to the host and back (a copy each way, about 8 bytes
a value of the unit's memory); the kernel itself runs natively. Arithmetic operators (`+ - * /`,
`abs`, `-s`) run in Python, one step per bar: cheap next to a Python loop with windows in it, but
prefer a kernel where one fits.

**Errors.** An argument out of range (a period of 0, columns of different lengths) raises
`KernelError` (a `ValueError`) with the host's message, such as `rsi: period 1 is out of range
2..=100000`; so does a call whose columns would pass the unit's memory limit. Catch it in `build`
and return `plugin.PluginError_Failed(str(err))`, or check parameters in `plan` first.

The functions of the import are `wit_world.imports.kernels.*` (the bindings componentize-py
generates from `wit/`). Outside a component, where those functions do not work, the same kernels
in plain Python answer (`kernels_ref.py`, beside this file): directly when no bindings can be
imported, or through `plugins/python/wit-stub` when a test loads them. So a plugin's tests run
natively, and check the host's values against an independent implementation.
"""

import math
from bisect import bisect_left

try:
    from componentize_py_types import Err
    from wit_world.imports import kernels as _kernels
except ModuleNotFoundError as missing:
    # No generated bindings: native tests (`python3 -m unittest`) without them. The same kernels in
    # plain Python, beside this file. In a component the bindings always exist.
    if missing.name not in ("componentize_py_types", "wit_world"):
        raise
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


def _deviation(ddof):
    if ddof == 0:
        return _kernels.Deviation.POPULATION
    if ddof == 1:
        return _kernels.Deviation.SAMPLE
    raise KernelError(f"ddof {ddof!r} is not supported (expected 0, population, or 1, sample)")


def _values(other):
    return other.values if isinstance(other, Series) else None


def _divide(x, y):
    """x / y as IEEE 754 divides: ±inf for x / 0, NaN for 0 / 0 and NaN operands."""
    try:
        return x / y
    except ZeroDivisionError:
        if x == 0 or x != x:
            return NAN
        return math.copysign(math.inf, x) * math.copysign(1.0, y)


class Series:
    """A column of floats, one per bar, oldest first, with pandas-like methods computed by the
    host's kernels. `values` is the plain list; `Series(list)` takes a list as it is (ints are
    taken as the nearest float by the kernels; `Series.of(iterable)` copies any iterable)."""

    __slots__ = ("values",)

    def __init__(self, values):
        self.values = values if isinstance(values, list) else list(values)

    @classmethod
    def of(cls, iterable):
        """A Series of the floats of any iterable (a copy)."""
        return cls([float(v) for v in iterable])

    # ---- A list's protocol.

    def __len__(self):
        return len(self.values)

    def __iter__(self):
        return iter(self.values)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Series(self.values[index])
        return self.values[index]

    def __repr__(self):
        shown = ", ".join(repr(v) for v in self.values[:6])
        more = ", ..." if len(self.values) > 6 else ""
        return f"Series([{shown}{more}], length {len(self.values)})"

    def tolist(self):
        """The values as a plain list (the same list; copy it before changing it)."""
        return self.values

    # ---- Windows of the last `period` values, this one included: NaN over the first period − 1.

    def rolling(self, period):
        """The windows of `period` bars, pandas style: `s.rolling(20).mean()`."""
        return Rolling(self, period)

    def rolling_sum(self, period):
        """Sum of the last `period` values (TA-Lib SUM). period 1..=100000."""
        return Series(_call(_kernels.rolling_sum, self.values, period))

    def rolling_mean(self, period):
        """Simple moving average of the last `period` values (TA-Lib SMA). period 1..=100000."""
        return Series(_call(_kernels.rolling_mean, self.values, period))

    def rolling_var(self, period, ddof=1):
        """Variance of the window: ddof 1 divides by period − 1 (sample, pandas' default), ddof 0
        by period (population, TA-Lib VAR). period 2..=100000 (1.. for ddof 0)."""
        return Series(_call(_kernels.rolling_var, self.values, period, _deviation(ddof)))

    def rolling_std(self, period, ddof=1):
        """Standard deviation of the window, the square root of `rolling_var(period, ddof)`; ddof 0
        is TA-Lib's STDDEV."""
        return Series(_call(_kernels.rolling_std, self.values, period, _deviation(ddof)))

    def rolling_min(self, period):
        """Lowest value of the window (TA-Lib MIN). period 2..=100000."""
        return Series(_call(_kernels.rolling_min, self.values, period))

    def rolling_max(self, period):
        """Highest value of the window (TA-Lib MAX). period 2..=100000."""
        return Series(_call(_kernels.rolling_max, self.values, period))

    def rolling_argmin(self, period):
        """Index (into this series, as a float) of the window's lowest value, the newest of equal
        ones (TA-Lib MININDEX); `i - s.rolling_argmin(n)[i]` is bars since the low."""
        return Series(_call(_kernels.rolling_argmin, self.values, period))

    def rolling_argmax(self, period):
        """Index of the window's highest value, the newest of equal ones (TA-Lib MAXINDEX)."""
        return Series(_call(_kernels.rolling_argmax, self.values, period))

    def rolling_rank(self, period):
        """Rank of each value within its window: 1 lowest .. period highest, ties averaged (pandas'
        `rolling(period).rank()`). period 2..=100000."""
        return Series(_call(_kernels.rolling_rank, self.values, period))

    def zscore(self, period, ddof=1):
        """(x − mean) / std of the window of `period` values, this one included; NaN where the
        window is flat (std 0). ddof as `rolling_std`. period 2..=100000."""
        return Series(_call(_kernels.zscore, self.values, period, _deviation(ddof)))

    # ---- Smoothing and indicators.

    def ewm(self, span):
        """Exponential weighting, pandas style: `s.ewm(span=20).mean()` is `s.ema(20)`."""
        return Ewm(self, span)

    def ema(self, period):
        """Exponential moving average, k = 2 / (period + 1), seeded with the mean of the first
        `period` values (TA-Lib EMA): NaN over the first period − 1 bars. period 1..=100000."""
        return Series(_call(_kernels.ema, self.values, period))

    def wilder(self, period):
        """Wilder's smoothing, s = (s·(period − 1) + x) / period, seeded with the mean of the first
        `period` values (the smoothing of RSI and ATR). NaN over the first period − 1 bars."""
        return Series(_call(_kernels.wilder, self.values, period))

    def rsi(self, period=14):
        """Wilder's relative strength index, 0..100 (TA-Lib RSI): NaN over the first `period` bars;
        0 where there has been neither a gain nor a loss (C TA-Lib). period 2..=100000."""
        return Series(_call(_kernels.rsi, self.values, period))

    def macd(self, fast=12, slow=26, signal=9):
        """(macd, signal, hist) as three Series (TA-Lib MACD): fast EMA − slow EMA, its EMA over
        `signal` bars, and their difference. NaN over the first slow − 1 + signal − 1 bars (33 at
        the defaults). fast 2.. below slow; signal 1..=100000."""
        lines = _call(_kernels.macd, self.values, fast, slow, signal)
        return Series(lines.macd), Series(lines.signal), Series(lines.hist)

    def bollinger(self, period=20, k=2.0, k_down=None):
        """(upper, middle, lower) as three Series (TA-Lib BBANDS over an SMA): middle ± k
        population standard deviations of the window (`k_down` below, when given). NaN over the
        first period − 1 bars. period 2..=100000."""
        bands = _call(_kernels.bollinger, self.values, period, float(k), float(k if k_down is None else k_down))
        return Series(bands.upper), Series(bands.middle), Series(bands.lower)

    # ---- Against the value `periods` bars earlier: NaN over the first `periods` bars.

    def log_return(self, periods=1):
        """ln(x[t] / x[t − periods]); NaN unless both are > 0."""
        return Series(_call(_kernels.log_return, self.values, periods))

    def pct_change(self, periods=1):
        """(x[t] − x[t − periods]) / x[t − periods], a fraction; 0 where the earlier value is 0
        (TA-Lib ROCP)."""
        return Series(_call(_kernels.pct_change, self.values, periods))

    def diff(self, periods=1):
        """x[t] − x[t − periods] (TA-Lib MOM)."""
        return Series(_call(_kernels.diff, self.values, periods))

    def shift(self, periods=1):
        """x[t − periods]: the values moved `periods` bars later. Only the past (periods >= 0): a
        value from a later bar would be look-ahead."""
        return Series(_call(_kernels.shift, self.values, periods))

    def cumsum(self):
        """Running sum from the first bar; a NaN is skipped (NaN at its bar), as pandas does."""
        return Series(_call(_kernels.cumulative_sum, self.values))

    # ---- Element by element, in Python.

    def _zip(self, other, op):
        values = _values(other)
        if values is None:
            return Series([op(x, other) for x in self.values])
        if len(values) != len(self.values):
            raise KernelError(f"series of different lengths: {len(self.values)} and {len(values)}")
        return Series([op(x, y) for x, y in zip(self.values, values)])

    def __add__(self, other):
        return self._zip(other, lambda x, y: x + y)

    def __radd__(self, other):
        return self._zip(other, lambda x, y: y + x)

    def __sub__(self, other):
        return self._zip(other, lambda x, y: x - y)

    def __rsub__(self, other):
        return self._zip(other, lambda x, y: y - x)

    def __mul__(self, other):
        return self._zip(other, lambda x, y: x * y)

    def __rmul__(self, other):
        return self._zip(other, lambda x, y: y * x)

    def __truediv__(self, other):
        return self._zip(other, _divide)

    def __rtruediv__(self, other):
        return self._zip(other, lambda x, y: _divide(y, x))

    def __neg__(self):
        return Series([-x for x in self.values])

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


def _columns(high, low, close):
    return [s.values if isinstance(s, Series) else s for s in (high, low, close)]


def true_range(high, low, close):
    """max(high, previous close) − min(low, previous close) per bar (TA-Lib TRANGE); NaN on the
    first bar. Series or lists of one length."""
    return Series(_call(_kernels.true_range, *_columns(high, low, close)))


def atr(high, low, close, period=14):
    """Average true range: Wilder's smoothing of the true range (TA-Lib ATR); NaN over the first
    `period` bars. period 1..=100000."""
    return Series(_call(_kernels.atr, *_columns(high, low, close), period))


def first_at_or_after(ts, start):
    """The index of the first timestamp >= `start` in `ts` (ascending), len(ts) when none: the
    window's first row, so `column[first:]` is the window's rows without a loop over bars."""
    return bisect_left(ts, start)
