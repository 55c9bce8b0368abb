"""The `{{name}}` plugin's math, composed of the host's native kernels through `series` (beside
this file): numpy and pandas do not exist inside a component, and `series` is their replacement
(`Series(values).rolling_mean(20)`, `.ewm(span).mean()`, `.rsi(14)`, `.zscore(n)`, arithmetic;
its docstring lists every method, its warm-up and its differences from pandas). No reader here,
so `python3 -m unittest` runs it natively, the kernels answered in plain Python by
`kernels_ref.py`."""

from series import Series


def rolling_mean(values, period):
    """The mean of each value and the `period - 1` before it; NaN until `period` values exist (the
    `rolling-mean` kernel, TA-Lib's SMA)."""
    return Series(values).rolling_mean(period).values


def warm_up_bars(period):
    """Bars before the window that the mean on the window's first bar needs: the `period - 1`
    closes before it. With them, every row is what it would be had the window started earlier."""
    return period - 1
