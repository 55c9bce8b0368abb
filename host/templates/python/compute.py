"""The `{{name}}` plugin's math, in plain Python: no bindings, so `python3 -m unittest` runs it."""

NAN = float("nan")


def rolling_mean(values, period):
    """The mean of each value and the `period - 1` before it; NaN until `period` values exist."""
    return [
        sum(values[i + 1 - period : i + 1]) / period if i + 1 >= period else NAN
        for i in range(len(values))
    ]


def warm_up_bars(period):
    """Bars before the window that the mean on the window's first bar needs: the `period - 1`
    closes before it. With them, every row is what it would be had the window started earlier."""
    return period - 1
