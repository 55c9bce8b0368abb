"""Writes bars.csv (TA-Lib's 252-bar reference series as daily bars from 2000-01-03) and
expected.csv (its 30-bar simple moving average, computed here independently of the plugin).
TA-Lib publishes the first value: 90.4263 at index 29."""
import csv
import datetime
from pathlib import Path

here = Path(__file__).parent
source = here / "../../fixtures/talib/ta_regtest_daily_252.csv"
start = datetime.datetime(2000, 1, 3, tzinfo=datetime.timezone.utc)
rows = list(csv.DictReader(source.open()))
stamps = [(start + datetime.timedelta(days=i)).strftime("%Y-%m-%dT%H:%M:%SZ") for i in range(len(rows))]

with (here / "bars.csv").open("w", newline="") as f:
    out = csv.writer(f, lineterminator="\n")
    out.writerow(["symbol", "timeframe", "timestamp", "open", "high", "low", "close", "volume"])
    for ts, r in zip(stamps, rows):
        out.writerow(["TALIB", "1d", ts, r["open"], r["high"], r["low"], r["close"], int(float(r["volume"]))])

period = 30
closes = [float(r["close"]) for r in rows]
with (here / "expected.csv").open("w", newline="") as f:
    out = csv.writer(f, lineterminator="\n")
    out.writerow(["ts", "sma"])
    for i, ts in enumerate(stamps):
        value = sum(closes[i + 1 - period : i + 1]) / period if i + 1 >= period else float("nan")
        out.writerow([ts, repr(value) if value == value else "NaN"])
assert abs(sum(closes[:30]) / 30 - 90.4263) < 1e-4
