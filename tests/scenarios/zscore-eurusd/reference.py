#!/usr/bin/env python3
"""Writes expected.csv for this scenario: the zscore plugin's output on bars.csv, computed here
independently of the plugin (plain Python, two-pass mean and population deviation per window,
in floats, where the plugin keeps exact integer running sums).

  log_return  ln(close / previous close); NaN on the first bar
  volume_z    (volume - mean) / population std of the last PERIOD volumes, this one included;
              NaN until PERIOD volumes exist and where the std is 0

Rows: bars from START (scenario.yaml's `start`) to the last bar; the bars before START are the
warm-up, which the host serves (the plugin's plan declares PERIOD - 1 warm-up bars). PERIOD and
START are read from scenario.yaml. Run from anywhere: python3 reference.py
"""

import csv
import math
import re
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent


def settings(folder):
    """PERIOD and START as the folder's scenario.yaml gives them (`params: {period: N}`, `start:`)."""
    text = (folder / "scenario.yaml").read_text()
    period = int(re.search(r"^params: \{period: (\d+)\}", text, re.M).group(1))
    start = re.search(r"^start: (\S+)", text, re.M).group(1)
    return period, start


def plain(x):
    """A float as expected.csv spells it: NaN, or the shortest round-trip digits, no exponent."""
    return "NaN" if math.isnan(x) else format(Decimal(repr(x)), "f")


def main(folder=HERE):
    """Writes folder/expected.csv from folder/bars.csv (zscore-volume runs this on its folder)."""
    period, start = settings(folder)
    with open(folder / "bars.csv", newline="") as f:
        bars = list(csv.DictReader(f))
    close = [float(b["close"]) for b in bars]
    volume = [int(b["volume"]) for b in bars]
    with open(folder / "expected.csv", "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["ts", "log_return", "volume_z"])
        for i, bar in enumerate(bars):
            if bar["timestamp"] < start:  # same format throughout: text order is time order
                continue
            log_return = math.log(close[i] / close[i - 1]) if i > 0 else math.nan
            volume_z = math.nan
            if i + 1 >= period:
                window = volume[i + 1 - period : i + 1]
                mean = sum(window) / period
                std = math.sqrt(sum((v - mean) ** 2 for v in window) / period)
                if std > 0:
                    volume_z = (volume[i] - mean) / std
            out.writerow([bar["timestamp"], plain(log_return), plain(volume_z)])


if __name__ == "__main__":
    main()
