"""Writes expected.csv of the roc scenario: TA-Lib's ROC, ((close / close n bars before) - 1) * 100
(TA-Lib's function reference, TA_ROC), computed here in plain Python from the fixture's closes,
apart from the plugin. The window starts at the 20th bar; the 12 bars of warm-up before it are
read, so the first row of the window has its value.

    python3 tests/scenarios/roc-eurusd/reference.py
"""

import csv
import pathlib

here = pathlib.Path(__file__).parent
PERIOD = 12
START = "2018-05-01T19:00:00Z"

with open(here / "../swings-eurusd/bars.csv", newline="") as f:
    rows = list(csv.DictReader(f))
with open(here / "expected.csv", "w", newline="") as f:
    f.write("ts,roc\n")
    for i, row in enumerate(rows):
        if row["timestamp"] < START:
            continue
        before = float(rows[i - PERIOD]["close"])
        roc = 0.0 if before == 0 else (float(row["close"]) / before - 1.0) * 100.0
        f.write(f"{row['timestamp']},{roc!r}\n")
