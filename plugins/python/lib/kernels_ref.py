"""The host's kernels (`wit/kernels.wit`, the `kernels` import of contract 0.2) in plain Python,
for a plugin's native tests: `series.py` calls these when no generated bindings can be imported
(`python3 -m unittest` in a plugin's folder), and `plugins/python/wit-stub` puts them in place of
the generated functions (which raise NotImplementedError outside a component) when a test loads
the real bindings. Inside a component the host's kernels answer; this module is never called there.

Written from the WIT's documentation and TA-Lib's definitions, not from the host's code, so a
plugin's tests against published values check the contract twice: here, and (through the
component, `cargo test`) in the host. Slow and simple on purpose: every window is summed afresh
(two passes for a variance), O(n · period); fine for test data, not for a year of minute bars.

The conventions (the WIT's doc comment is the spec):

- a column is a list of floats, oldest first; every output has its input's length, NaN before the
  kernel's look-back (TA-Lib's `*_Lookback`: period − 1 for windows and EMA, period for RSI and
  ATR, slow − 1 + signal − 1 for MACD, `lag` for the element-wise kernels);
- a NaN splits a column into runs: window and recursive kernels run on each run of non-NaN values
  as if it were the whole column (NaN at the NaN bars and over each run's look-back); for several
  columns a bar is NaN if any of them is; the element-wise kernels are NaN where an operand is;
  `cumulative_sum` skips a NaN;
- a bad argument raises `Err(KernelError_InvalidArgument("rsi: period 1 is out of range
  2..=100000"))`, and the kernel computes nothing. `Err`, the error cases, `Deviation`, `MacdLines`
  and `Bands` are the generated ones once `install` has been given the bindings, else this
  module's own of the same names and fields.
"""

import math
import sys
from dataclasses import dataclass
from enum import Enum

NAN = math.nan
MAX_PERIOD = 100_000


# ---- The types of the bindings, for use without them (same names and fields as generated).


class Err(Exception):
    """An error result, as `componentize_py_types.Err`: the error case in `value`."""

    def __init__(self, value):
        super().__init__(value)
        self.value = value


@dataclass
class KernelError_InvalidArgument:  # noqa: N801 (the generated name)
    value: str


@dataclass
class KernelError_TooLarge:  # noqa: N801
    value: object


class Deviation(Enum):
    POPULATION = 0
    SAMPLE = 1


@dataclass
class MacdLines:
    macd: list
    signal: list
    hist: list


@dataclass
class Bands:
    upper: list
    middle: list
    lower: list


# The module whose types the kernels use: the generated bindings once installed, else this one.
_bindings = {"kernels": None, "err": Err}


def _kernels():
    return _bindings["kernels"] or globals()["_this"]


def _invalid(message):
    return _bindings["err"](_kernels().KernelError_InvalidArgument(message))


def _check(kernel, name, value, low, high=MAX_PERIOD):
    if not low <= value <= high:
        raise _invalid(f"{kernel}: {name} {value} is out of range {low}..={high}")


def _check_lengths(kernel, **columns):
    lengths = {name: len(values) for name, values in columns.items()}
    if len(set(lengths.values())) > 1:
        described = ", ".join(f"{name} {n}" for name, n in lengths.items())
        raise _invalid(f"{kernel}: columns of different lengths ({described}); expected one length")


def _sample(deviation):
    return deviation == _kernels().Deviation.SAMPLE


def _runs(columns):
    """(start, end) of each run of bars where no column is NaN, end exclusive."""
    n = len(columns[0])
    runs, start = [], None
    for i in range(n):
        missing = any(math.isnan(c[i]) for c in columns)
        if missing and start is not None:
            runs.append((start, i))
            start = None
        elif not missing and start is None:
            start = i
    if start is not None:
        runs.append((start, n))
    return runs


def _per_run(columns, kernel, outputs=1):
    """Applies `kernel(*run_columns, offset)` to each run; it returns `outputs` lists as long as
    the run (one list when outputs is 1)."""
    n = len(columns[0])
    out = [[NAN] * n for _ in range(outputs)]
    for start, end in _runs(columns):
        got = kernel(*(c[start:end] for c in columns), start)
        if outputs == 1:
            got = (got,)
        for column, values in zip(out, got):
            column[start:end] = values
    return out[0] if outputs == 1 else out


def _windows(values, period, f):
    """f(window, i) for each full window of `values`, NaN before."""
    return [f(values[i + 1 - period : i + 1], i) if i + 1 >= period else NAN for i in range(len(values))]


def _mean(window):
    return math.fsum(window) / len(window)


def _var(window, sample):
    mean = _mean(window)
    squares = math.fsum((x - mean) * (x - mean) for x in window)
    return squares / (len(window) - 1 if sample else len(window))


def _check_var_period(kernel, period, deviation):
    _check(kernel, "period", period, 2 if _sample(deviation) else 1)


# ---- Windows.


def rolling_sum(values, period):
    _check("rolling-sum", "period", period, 1)
    return _per_run([values], lambda v, _: _windows(v, period, lambda w, i: math.fsum(w)))


def rolling_mean(values, period):
    _check("rolling-mean", "period", period, 1)
    return _per_run([values], lambda v, _: _windows(v, period, lambda w, i: _mean(w)))


def rolling_var(values, period, deviation):
    _check_var_period("rolling-var", period, deviation)
    sample = _sample(deviation)
    return _per_run([values], lambda v, _: _windows(v, period, lambda w, i: _var(w, sample)))


def rolling_std(values, period, deviation):
    _check_var_period("rolling-std", period, deviation)
    sample = _sample(deviation)
    return _per_run([values], lambda v, _: _windows(v, period, lambda w, i: math.sqrt(_var(w, sample))))


def rolling_min(values, period):
    _check("rolling-min", "period", period, 2)
    return _per_run([values], lambda v, _: _windows(v, period, lambda w, i: min(w)))


def rolling_max(values, period):
    _check("rolling-max", "period", period, 2)
    return _per_run([values], lambda v, _: _windows(v, period, lambda w, i: max(w)))


def _newest_index_of(window, value):
    return len(window) - 1 - window[::-1].index(value)


def rolling_argmin(values, period):
    _check("rolling-argmin", "period", period, 2)

    def run(v, offset):
        return _windows(v, period, lambda w, i: float(offset + i + 1 - period + _newest_index_of(w, min(w))))

    return _per_run([values], run)


def rolling_argmax(values, period):
    _check("rolling-argmax", "period", period, 2)

    def run(v, offset):
        return _windows(v, period, lambda w, i: float(offset + i + 1 - period + _newest_index_of(w, max(w))))

    return _per_run([values], run)


def rolling_rank(values, period):
    _check("rolling-rank", "period", period, 2)

    def rank(window, _):
        x = window[-1]
        below = sum(1 for v in window if v < x)
        equal = sum(1 for v in window if v == x)
        return below + (equal + 1) / 2

    return _per_run([values], lambda v, _: _windows(v, period, rank))


def zscore(values, period, deviation):
    _check("zscore", "period", period, 2)
    sample = _sample(deviation)

    def z(window, _):
        std = math.sqrt(_var(window, sample))
        return (window[-1] - _mean(window)) / std if std > 0 else NAN

    return _per_run([values], lambda v, _: _windows(v, period, z))


# ---- Smoothing and indicators.


def _smooth(values, period, alpha, first=None):
    """s = s + alpha·(x − s), seeded at index `period − 1` with the mean of the first `period`
    values (or with `first` there, when given)."""
    out = [NAN] * len(values)
    if len(values) < period:
        return out
    s = _mean(values[:period]) if first is None else first
    out[period - 1] = s
    for i in range(period, len(values)):
        s = s + alpha * (values[i] - s)
        out[i] = s
    return out


def _ema(values, period):
    return _smooth(values, period, 2 / (period + 1))


def ema(values, period):
    _check("ema", "period", period, 1)
    return _per_run([values], lambda v, _: _ema(v, period))


def _wilder(values, period):
    out = [NAN] * len(values)
    if len(values) < period:
        return out
    s = _mean(values[:period])
    out[period - 1] = s
    for i in range(period, len(values)):
        s = (s * (period - 1) + values[i]) / period
        out[i] = s
    return out


def wilder(values, period):
    _check("wilder", "period", period, 1)
    return _per_run([values], lambda v, _: _wilder(v, period))


def _rsi(values, period):
    out = [NAN] * len(values)
    if len(values) <= period:
        return out
    changes = [values[i] - values[i - 1] for i in range(1, len(values))]
    gain = _wilder([max(c, 0.0) for c in changes], period)
    loss = _wilder([max(-c, 0.0) for c in changes], period)
    for i in range(period - 1, len(changes)):
        total = gain[i] + loss[i]
        # Neither a gain nor a loss (0/0): C TA-Lib's 0.
        out[i + 1] = 100 * gain[i] / total if total != 0 else 0.0
    return out


def rsi(values, period):
    _check("rsi", "period", period, 2)
    return _per_run([values], lambda v, _: _rsi(v, period))


def _macd(values, fast, slow, signal):
    n = len(values)
    line, sig, hist = [NAN] * n, [NAN] * n, [NAN] * n
    first = slow - 1 + signal - 1
    if n <= first:
        return line, sig, hist
    # TA-Lib seeds both EMAs at the slow one's first bar: the fast one over the `fast` bars
    # ending there.
    slow_ema = _ema(values, slow)
    fast_ema = [NAN] * (slow - fast) + _ema(values[slow - fast :], fast)
    macd_line = [fast_ema[i] - slow_ema[i] for i in range(slow - 1, n)]
    signal_line = macd_line if signal == 1 else _ema(macd_line, signal)
    for i in range(first, n):
        j = i - (slow - 1)
        line[i], sig[i] = macd_line[j], signal_line[j]
        hist[i] = line[i] - sig[i]
    return line, sig, hist


def macd(values, fast, slow, signal):
    _check("macd", "fast", fast, 2)
    _check("macd", "slow", slow, 2)
    _check("macd", "signal", signal, 1)
    if fast >= slow:
        raise _invalid(f"macd: fast {fast} is not below slow {slow}")
    line, sig, hist = _per_run([values], lambda v, _: _macd(v, fast, slow, signal), outputs=3)
    return _kernels().MacdLines(macd=line, signal=sig, hist=hist)


def _true_range(high, low, close):
    out = [NAN] * len(close)
    for i in range(1, len(close)):
        out[i] = max(high[i], close[i - 1]) - min(low[i], close[i - 1])
    return out


def true_range(high, low, close):
    _check_lengths("true-range", high=high, low=low, close=close)
    return _per_run([high, low, close], lambda h, lo, c, _: _true_range(h, lo, c))


def _atr(high, low, close, period):
    ranges = _true_range(high, low, close)
    if period == 1:
        return ranges
    return [NAN] + _wilder(ranges[1:], period)


def atr(high, low, close, period):
    _check("atr", "period", period, 1)
    _check_lengths("atr", high=high, low=low, close=close)
    return _per_run([high, low, close], lambda h, lo, c, _: _atr(h, lo, c, period))


def bollinger(values, period, deviations_up, deviations_down):
    _check("bollinger", "period", period, 2)
    for name, k in (("deviations-up", deviations_up), ("deviations-down", deviations_down)):
        if not math.isfinite(k):
            raise _invalid(f"bollinger: {name} {k} is not a finite number")

    def run(v, _):
        middle = _windows(v, period, lambda w, i: _mean(w))
        std = _windows(v, period, lambda w, i: math.sqrt(_var(w, False)))
        upper = [m + deviations_up * s for m, s in zip(middle, std)]
        lower = [m - deviations_down * s for m, s in zip(middle, std)]
        return upper, middle, lower

    upper, middle, lower = _per_run([values], run, outputs=3)
    return _kernels().Bands(upper=upper, middle=middle, lower=lower)


# ---- Element-wise against `lag` bars earlier.


def _lagged(kernel, values, lag, low, f):
    _check(kernel, "lag", lag, low)
    return [f(values[i], values[i - lag]) if i >= lag else NAN for i in range(len(values))]


def log_return(values, lag):
    return _lagged(
        "log-return", values, lag, 1, lambda x, prev: math.log(x / prev) if x > 0 and prev > 0 else NAN
    )


def pct_change(values, lag):
    def change(x, prev):
        if math.isnan(x) or math.isnan(prev):
            return NAN
        return (x - prev) / prev if prev != 0 else 0.0

    return _lagged("pct-change", values, lag, 1, change)


def diff(values, lag):
    return _lagged("diff", values, lag, 1, lambda x, prev: x - prev)


def shift(values, lag):
    return _lagged("shift", values, lag, 0, lambda x, prev: prev)


def cumulative_sum(values):
    out, total = [], 0.0
    for x in values:
        if math.isnan(x):
            out.append(NAN)
        else:
            total += x
            out.append(total)
    return out


KERNELS = (
    "rolling_sum",
    "rolling_mean",
    "rolling_var",
    "rolling_std",
    "rolling_min",
    "rolling_max",
    "rolling_argmin",
    "rolling_argmax",
    "rolling_rank",
    "zscore",
    "ema",
    "wilder",
    "rsi",
    "macd",
    "true_range",
    "atr",
    "bollinger",
    "log_return",
    "pct_change",
    "diff",
    "shift",
    "cumulative_sum",
)


def install(kernels):
    """Replaces the generated functions of `kernels` (`wit_world.imports.kernels`) with these, which
    then raise the generated `Err` with the generated error cases and return its records."""
    from componentize_py_types import Err as GeneratedErr

    _bindings["kernels"] = kernels
    _bindings["err"] = GeneratedErr
    here = globals()
    for name in KERNELS:
        setattr(kernels, name, here[name])


_this = sys.modules[__name__]
