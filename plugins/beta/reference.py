"""The independent reference for plugins/beta: the same statistics from the same fixture with pandas.

    python plugins/beta/reference.py FIXTURE.csv UNIT REFERENCE TIMEFRAME [WINDOW] > expected.csv

Reads a bar file (tests/fixtures/examples/daily.csv) and prints, per bar of UNIT at TIMEFRAME:
`ts` (RFC 3339 open time), `beta`, `correlation`, `reference_log_return`, and the open time of the
REFERENCE bar the row was joined to (`reference_bar`).

The join is `pandas.merge_asof` on *close times* (close = open + the timeframe), direction
"backward" with exact matches allowed: a row takes REFERENCE's last bar whose close is at or
before the row's close, so a row where REFERENCE has no bar carries its previous close (log return
0 there). Log returns are `numpy.log(close).diff()`; beta is pandas' rolling covariance over the
rolling variance of the reference's returns, correlation pandas' rolling `corr`, both over WINDOW
returns (default 60) with no NaN allowed in the window (`min_periods` = WINDOW).
"""

import sys

import numpy as np
import pandas as pd

STEP = {"1h": pd.Timedelta(hours=1), "4h": pd.Timedelta(hours=4), "1d": pd.Timedelta(days=1)}


def series(bars: pd.DataFrame, symbol: str, timeframe: str) -> pd.DataFrame:
    out = bars[(bars["symbol"] == symbol) & (bars["timeframe"] == timeframe)]
    out = out.sort_values("timestamp").reset_index(drop=True)
    out["close_time"] = out["timestamp"] + STEP[timeframe]
    return out


def main() -> None:
    path, unit, reference, timeframe = sys.argv[1:5]
    window = int(sys.argv[5]) if len(sys.argv) > 5 else 60
    bars = pd.read_csv(path)
    bars["timestamp"] = pd.to_datetime(bars["timestamp"], utc=True)
    rows = pd.merge_asof(
        series(bars, unit, timeframe),
        series(bars, reference, timeframe)[["close_time", "close", "timestamp"]].rename(
            columns={"close": "reference_close", "timestamp": "reference_bar"}
        ),
        on="close_time",
        direction="backward",
        allow_exact_matches=True,
    )
    unit_return = np.log(rows["close"]).diff()
    reference_return = np.log(rows["reference_close"]).diff()
    beta = unit_return.rolling(window).cov(reference_return) / reference_return.rolling(window).var()
    correlation = unit_return.rolling(window).corr(reference_return)

    out = pd.DataFrame(
        {
            "ts": rows["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "beta": beta,
            "correlation": correlation,
            "reference_log_return": reference_return,
            "reference_bar": rows["reference_bar"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
    )
    out.to_csv(sys.stdout, index=False, float_format="%.17g", na_rep="NaN")


if __name__ == "__main__":
    main()
