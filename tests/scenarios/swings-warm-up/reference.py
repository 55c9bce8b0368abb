#!/usr/bin/env python3
"""Writes expected.csv for this scenario: the swings plugin's output on ../swings-eurusd/bars.csv
with a warm-up, computed independently of the plugin by swings-eurusd's reference.py (the rules of
plugins/js/swings/README.md restated).

With `warm_up_bars: WARM_UP` the plugin reads from the WARM_UP-th bar before START, or from the
first bar when there are fewer: the zig-zag is seeded there, and the confirmations on bars before
START are dropped. WARM_UP is read from scenario.yaml (swings-warm-up-all runs this on its folder);
keep THRESHOLD and START in step with it. Run from anywhere: python3 reference.py
"""

import csv
import importlib.util
import re
from decimal import Decimal
from pathlib import Path

THRESHOLD = 0.4  # percent
START = "2018-05-02T15:00:00Z"

HERE = Path(__file__).resolve().parent
BARS = HERE.parent / "swings-eurusd" / "bars.csv"


def rules():
    """swings-eurusd/reference.py as a module: its `swings(high, low, close, threshold)`."""
    spec = importlib.util.spec_from_file_location("swings_reference", HERE.parent / "swings-eurusd" / "reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(folder=HERE):
    """Writes folder/expected.csv, WARM_UP being folder/scenario.yaml's `warm_up_bars`."""
    warm_up = int(re.search(r"warm_up_bars: (\d+)", (folder / "scenario.yaml").read_text()).group(1))
    with open(BARS, newline="") as f:
        stored = list(csv.DictReader(f))
    first = max(0, [b["timestamp"] for b in stored].index(START) - warm_up)  # text order is time order
    bars = stored[first:]
    high = [float(b["high"]) for b in bars]
    low = [float(b["low"]) for b in bars]
    close = [float(b["close"]) for b in bars]
    with open(folder / "expected.csv", "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["ts", "pivot_price", "direction", "bars_since_pivot"])
        for i, pivot, price, direction in rules().swings(high, low, close, THRESHOLD):
            if bars[i]["timestamp"] < START:
                continue
            out.writerow([bars[i]["timestamp"], format(Decimal(repr(price)), "f"), direction, i - pivot])


if __name__ == "__main__":
    main()
