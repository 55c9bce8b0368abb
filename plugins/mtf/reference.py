"""The independent reference for plugins/mtf: the same features from the same fixture with pandas.

    python plugins/mtf/reference.py FIXTURE.csv [RSI_PERIOD] > expected.csv

Reads a bar file holding one symbol at 1h, 1d and 1w (tests/fixtures/examples/eurusd_mtf.csv) and
prints, per 1h bar: `ts` (RFC 3339 open time), `daily_rsi`, `prior_week_high_distance`, and the
open times of the daily and weekly bars each row was joined to (`daily_bar`, `week_bar`).

The joins are `pandas.merge_asof` on *close times* (close = open + 1h, + 1 day, + 7 days; weeks
open on Mondays), direction "backward" with exact matches allowed: a row takes the last
higher-timeframe bar whose close is at or before the row's close. The RSI is Wilder's as TA-Lib
computes it, written out here rather than called: first averages = means of the first `period`
changes, then `avg = (avg × (period − 1) + change) / period`, RSI = 100 × gain / (gain + loss),
over every daily bar of the fixture (its whole history, not the plugin's warm-up).
"""

import sys

import numpy as np
import pandas as pd

STEP = {"1h": pd.Timedelta(hours=1), "1d": pd.Timedelta(days=1), "1w": pd.Timedelta(days=7)}


def wilder_rsi(close: np.ndarray, period: int) -> np.ndarray:
    out = np.full(len(close), np.nan)
    if len(close) <= period:
        return out
    change = np.diff(close)
    gain, loss = np.clip(change, 0, None), np.clip(-change, 0, None)
    avg_gain, avg_loss = gain[:period].mean(), loss[:period].mean()
    out[period] = 100 * avg_gain / (avg_gain + avg_loss)
    for i in range(period + 1, len(close)):
        avg_gain = (avg_gain * (period - 1) + gain[i - 1]) / period
        avg_loss = (avg_loss * (period - 1) + loss[i - 1]) / period
        out[i] = 100 * avg_gain / (avg_gain + avg_loss)
    return out


def series(bars: pd.DataFrame, timeframe: str) -> pd.DataFrame:
    out = bars[bars["timeframe"] == timeframe].sort_values("timestamp").reset_index(drop=True)
    out["close_time"] = out["timestamp"] + STEP[timeframe]
    return out


def main() -> None:
    period = int(sys.argv[2]) if len(sys.argv) > 2 else 14
    bars = pd.read_csv(sys.argv[1])
    bars["timestamp"] = pd.to_datetime(bars["timestamp"], utc=True)
    hourly, daily, weekly = series(bars, "1h"), series(bars, "1d"), series(bars, "1w")
    daily["daily_rsi"] = wilder_rsi(daily["close"].to_numpy(), period)

    rows = pd.merge_asof(
        hourly,
        daily[["close_time", "daily_rsi", "timestamp"]].rename(columns={"timestamp": "daily_bar"}),
        on="close_time",
        direction="backward",
        allow_exact_matches=True,
    )
    rows = pd.merge_asof(
        rows,
        weekly[["close_time", "high", "timestamp"]].rename(columns={"high": "week_high", "timestamp": "week_bar"}),
        on="close_time",
        direction="backward",
        allow_exact_matches=True,
    )
    rows["prior_week_high_distance"] = (rows["close"] - rows["week_high"]) / rows["week_high"]

    out = pd.DataFrame(
        {
            "ts": rows["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "daily_rsi": rows["daily_rsi"],
            "prior_week_high_distance": rows["prior_week_high_distance"],
            "daily_bar": rows["daily_bar"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "week_bar": rows["week_bar"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
    )
    out.to_csv(sys.stdout, index=False, float_format="%.17g", na_rep="NaN")


if __name__ == "__main__":
    main()
