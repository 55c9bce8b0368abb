"""The independent reference for plugins/xsection: the same statistics from the same fixture with pandas.

    python plugins/xsection/reference.py FIXTURE.csv TIMEFRAME [LOOKBACK] > expected.csv

Reads a bar file (tests/fixtures/examples/daily.csv) and prints, per (symbol, bar) at TIMEFRAME,
ordered by time then symbol: `symbol`, `ts` (RFC 3339 open time), `momentum`, `rank`, `zscore`,
and `n`, the size of the row's cross-section.

Momentum is `close / close.shift(LOOKBACK) - 1` within each symbol's own bars (default 20). Per
time, over the rows with a momentum: rank is pandas `rank(method="average")`, scaled as
`(r - 1) / (n - 1)`; the z-score is `(m - mean) / std(ddof=0)` (population). Both are NaN where
`n < 2`, and the z-score where the std is 0.
"""

import sys

import numpy as np
import pandas as pd


def main() -> None:
    path, timeframe = sys.argv[1:3]
    lookback = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    bars = pd.read_csv(path)
    bars = bars[bars["timeframe"] == timeframe].sort_values(["timestamp", "symbol"]).reset_index(drop=True)
    bars["momentum"] = bars.groupby("symbol")["close"].transform(lambda c: c / c.shift(lookback) - 1)

    by_time = bars.groupby("timestamp")["momentum"]
    n = by_time.transform("count")
    rank = (by_time.rank(method="average") - 1) / (n - 1)
    std = by_time.transform(lambda m: m.std(ddof=0))
    zscore = (bars["momentum"] - by_time.transform("mean")) / std
    bars["n"] = n
    bars["rank"] = rank.where(n >= 2)
    bars["zscore"] = zscore.where((n >= 2) & (std > 0))

    bars["ts"] = pd.to_datetime(bars["timestamp"], utc=True).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = bars[["symbol", "ts", "momentum", "rank", "zscore", "n"]].replace([np.inf, -np.inf], np.nan)
    out.to_csv(sys.stdout, index=False, float_format="%.17g", na_rep="NaN")


if __name__ == "__main__":
    main()
