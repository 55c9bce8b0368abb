#!/usr/bin/env python3
"""Writes expected.csv for this scenario: the swings plugin's output on bars.csv, computed here
independently of the plugin, from the rules in plugins/js/swings/README.md restated directly:
instead of updating running extremes bar by bar, each bar recomputes the extreme over the bars
since the anchor (the first bar read, then the bar after the last pivot).

The plugin's warm-up is 0 bars, so it reads from START (scenario.yaml's `start`): the zig-zag is
seeded by the bar at START and the earlier bars of bars.csv play no part. Keep THRESHOLD and
START in step with scenario.yaml. Run from anywhere: python3 reference.py
"""

import csv
from decimal import Decimal
from pathlib import Path

THRESHOLD = 0.4  # percent
START = "2018-05-02T15:00:00Z"

HERE = Path(__file__).resolve().parent


def extreme(values, first, last, better):
    """(value, index) of the best of values[first..=last] by `better`, the earliest on ties."""
    best = first
    for i in range(first + 1, last + 1):
        if better(values[i], values[best]):
            best = i
    return values[best], best


def higher(a, b):
    return a > b


def lower(a, b):
    return a < b


def swings(high, low, close, threshold):
    """[(confirming bar, pivot bar, pivot price, direction)] by the README's rules."""
    t = threshold / 100
    found = []
    anchor = 0  # the first bar the tracked extreme(s) may come from
    tracking = "both"  # then "high" after a swing low, "low" after a swing high
    for i in range(1, len(close)):
        # Extremes up to and including this bar; their bar's close is tested after them.
        hi, hi_at = extreme(high, anchor, i, higher)
        lo, lo_at = extreme(low, anchor, i, lower)
        high_hit = tracking in ("both", "high") and close[i] <= hi * (1 - t)
        low_hit = tracking in ("both", "low") and close[i] >= lo * (1 + t)
        if tracking == "both" and high_hit and low_hit:
            # Both at once, only while seeking: the earlier extreme first, the high on a tie.
            high_hit = hi_at <= lo_at
            low_hit = not high_hit
        if high_hit:
            found.append((i, hi_at, hi, 1))
            anchor, tracking = hi_at + 1, "low"
        elif low_hit:
            found.append((i, lo_at, lo, -1))
            anchor, tracking = lo_at + 1, "high"
    return found


def main():
    with open(HERE / "bars.csv", newline="") as f:
        bars = [b for b in csv.DictReader(f) if b["timestamp"] >= START]  # text order is time order
    high = [float(b["high"]) for b in bars]
    low = [float(b["low"]) for b in bars]
    close = [float(b["close"]) for b in bars]
    with open(HERE / "expected.csv", "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["ts", "pivot_price", "direction", "bars_since_pivot"])
        for i, pivot, price, direction in swings(high, low, close, THRESHOLD):
            out.writerow([bars[i]["timestamp"], format(Decimal(repr(price)), "f"), direction, i - pivot])


if __name__ == "__main__":
    main()
