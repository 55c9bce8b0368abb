"""The zscore plugin's math: log returns and rolling volume z-scores, composed of the host's native
kernels (`series`, over `wit_world.imports.kernels`) instead of Python loops over bars.

Nothing here touches the reader, so it runs natively under `python3 -m unittest` too, where
`../wit-stub` answers the kernels in plain Python. NaN marks a value that does not exist (see
README.md).
"""

from bisect import bisect_right

from series import Series, first_at_or_after


def log_returns(close):
    """ln(close[i] / close[i-1]) per bar; NaN for the first bar and where a price is not > 0
    (the `log-return` kernel, lag 1)."""
    return Series(close).log_return().values


def volume_z(volume, period):
    """Z-score of each volume against the last `period` volumes, the current one included: mean
    and population standard deviation of the window (the `zscore` kernel, population). NaN until
    `period` volumes exist and where the window's standard deviation is 0 (all volumes equal).
    Volumes are integers; the kernel takes them as floats, exact up to 2^53."""
    return Series(volume).zscore(period, ddof=0).values


def features_in_window(ts, close, volume, window_start, window_end, period):
    """The rows of bars with window_start <= ts <= window_end: (ts, log_return, volume_z).

    The bars before the window are the warm-up: they feed the first rows' values but are not
    returned. `ts` is ascending, so the window is one slice.
    """
    returns = log_returns(close)
    zscores = volume_z(volume, period)
    first, end = first_at_or_after(ts, window_start), bisect_right(ts, window_end)
    return ts[first:end], returns[first:end], zscores[first:end]


def columns_in_window(bars, window_start, window_end, period):
    """`features_in_window` over the host-held columns of a `reader.series` read (`ts`, `close`,
    `volume`): (ts, log_return, volume_z) of the window's rows as host columns, none of their
    values copied into Python."""
    returns = Series(bars.close).log_return()
    zscores = Series(bars.volume).zscore(period, ddof=0)
    first, end = bars.ts.first_at_or_after(window_start), bars.ts.end_at_or_before(window_end)
    return bars.ts.slice(first, end), returns[first:end], zscores[first:end]
