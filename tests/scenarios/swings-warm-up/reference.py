#!/usr/bin/env python3
"""Writes expected.csv for this scenario: the swings plugin's output on ../swings-eurusd/bars.csv
with a warm-up, computed independently of the plugin by swings-eurusd's reference.py (the rules of
plugins/js/swings/README.md restated).

With `warm_up_bars: WARM_UP` the plugin reads from the WARM_UP-th bar before START: the zig-zag
is seeded there, and the confirmations on bars before START are dropped. Keep THRESHOLD, WARM_UP
and START in step with scenario.yaml. Run from anywhere: python3 reference.py
"""

import csv
import importlib.util
from decimal import Decimal
from pathlib import Path

THRESHOLD = 0.4  # percent
WARM_UP = 30  # bars
START = "2018-05-02T15:00:00Z"

HERE = Path(__file__).resolve().parent
BARS = HERE.parent / "swings-eurusd" / "bars.csv"


def rules():
    """swings-eurusd/reference.py as a module: its `swings(high, low, close, threshold)`."""
    spec = importlib.util.spec_from_file_location("swings_reference", HERE.parent / "swings-eurusd" / "reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    with open(BARS, newline="") as f:
        stored = list(csv.DictReader(f))
    first = [b["timestamp"] for b in stored].index(START) - WARM_UP  # text order is time order
    assert first >= 0, "the fixture holds fewer than WARM_UP bars before START"
    bars = stored[first:]
    high = [float(b["high"]) for b in bars]
    low = [float(b["low"]) for b in bars]
    close = [float(b["close"]) for b in bars]
    with open(HERE / "expected.csv", "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["ts", "pivot_price", "direction", "bars_since_pivot"])
        for i, pivot, price, direction in rules().swings(high, low, close, THRESHOLD):
            if bars[i]["timestamp"] < START:
                continue
            out.writerow([bars[i]["timestamp"], format(Decimal(repr(price)), "f"), direction, i - pivot])


if __name__ == "__main__":
    main()
