"""The indicators-py plugin's math: the Rust `indicators` plugin's twelve columns, composed of the
host's native kernels through `series` (no loop over bars here). Runs natively under
`python3 -m unittest` too, where ../wit-stub answers the kernels in plain Python."""

from series import Series, atr

# The output columns, in the order `build` returns them: the Rust plugin's (compute.rs OUTPUTS).
OUTPUTS = (
    "sma",
    "ema",
    "rsi",
    "macd",
    "macd_signal",
    "macd_hist",
    "atr",
    "bb_upper",
    "bb_middle",
    "bb_lower",
    "log_return",
    "volatility",
)


def compute(close, high, low, p):
    """Every column over all the bars given (Series, host columns or lists of floats, oldest
    first, one length), one value per bar, NaN over each column's look-back: a list of Series in
    the order of OUTPUTS."""
    close = Series(close)
    macd, signal, hist = close.macd(p.macd_fast, p.macd_slow, p.macd_signal)
    upper, middle, lower = close.bollinger(p.bb_period, p.bb_stddev)
    log_return = close.log_return()
    return [
        close.rolling_mean(p.sma_period),
        close.ema(p.ema_period),
        close.rsi(p.rsi_period),
        macd,
        signal,
        hist,
        atr(high, low, close, p.atr_period),
        upper,
        middle,
        lower,
        log_return,
        # Sample standard deviation (ddof 1); first defined at bar `volatility_window`, the log
        # return's NaN on the first bar being skipped.
        log_return.rolling_std(p.volatility_window, ddof=1),
    ]
