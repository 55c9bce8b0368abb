"""Writes bars.csv (the first 58 hourly EURUSD bars of the bundled 2018 sample: no symbol or
timeframe column, so scenario.yaml names them) and expected.csv (4h bars computed here
independently: blocks from midnight UTC; the last block, 08:00-12:00 on 4 January, is only
partly covered by the window and is dropped)."""
import csv
import datetime
from pathlib import Path

here = Path(__file__).parent
rows = list(csv.DictReader((here / "../../../host/fixtures/eurusd_1h_2018.csv").open()))[:58]
with (here / "bars.csv").open("w", newline="") as f:
    out = csv.DictWriter(f, fieldnames=rows[0].keys(), lineterminator="\n")
    out.writeheader()
    out.writerows(rows)

def parse(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))

hour = datetime.timedelta(hours=1)
window_end = parse(rows[-1]["timestamp"])
blocks = {}
for r in rows:
    ts = parse(r["timestamp"])
    start = ts.replace(hour=ts.hour - ts.hour % 4, minute=0, second=0)
    blocks.setdefault(start, []).append(r)

with (here / "expected.csv").open("w", newline="") as f:
    out = csv.writer(f, lineterminator="\n")
    out.writerow(["ts", "open", "high", "low", "close", "volume", "bars"])
    for start, group in sorted(blocks.items()):
        if start + 4 * hour > window_end + hour:
            continue  # not wholly inside the window
        out.writerow([
            start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            group[0]["open"],
            max(float(r["high"]) for r in group),
            min(float(r["low"]) for r in group),
            group[-1]["close"],
            sum(int(r["volume"]) for r in group),
            len(group),
        ])
