"""The zscore plugin's math: log returns and rolling volume z-scores, in plain Python.

Nothing here touches the generated bindings, so it runs natively under `python3 -m unittest`
as well as inside the component. NaN marks a value that does not exist (see README.md).
"""

import math
from collections import deque

NAN = float("nan")


def log_returns(close):
    """ln(close[i] / close[i-1]) per bar; NaN for the first bar and where a price is not > 0."""
    out = [NAN] * len(close)
    for i in range(1, len(close)):
        prev, cur = close[i - 1], close[i]
        if prev > 0 and cur > 0:
            out[i] = math.log(cur / prev)
    return out


def volume_z(volume, period):
    """Z-score of each volume against the last `period` volumes, the current one included.

    Mean and population standard deviation of the window; NaN until `period` volumes exist and
    where the window's standard deviation is 0. Volumes are integers, so the running sums are
    exact Python integers and z = (p*v - S) / sqrt(p*Q - S^2), with S the window's sum and Q its
    sum of squares: one rounding at the end, O(1) per bar whatever the period, and a zero spread
    is exactly zero rather than a float residue.
    """
    out = [NAN] * len(volume)
    window = deque()
    total = 0
    squares = 0
    for i, v in enumerate(volume):
        window.append(v)
        total += v
        squares += v * v
        if len(window) > period:
            old = window.popleft()
            total -= old
            squares -= old * old
        if len(window) == period:
            spread = period * squares - total * total
            if spread > 0:
                out[i] = float(period * v - total) / math.sqrt(spread)
    return out


def features_in_window(ts, close, volume, window_start, window_end, period):
    """The rows of bars with window_start <= ts <= window_end: (ts, log_return, volume_z).

    The bars before the window are the warm-up: they feed the first rows' values but are not
    returned.
    """
    returns = log_returns(close)
    zscores = volume_z(volume, period)
    rows = [i for i, t in enumerate(ts) if window_start <= t <= window_end]
    return [ts[i] for i in rows], [returns[i] for i in rows], [zscores[i] for i in rows]
