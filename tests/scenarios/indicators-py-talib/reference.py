#!/usr/bin/env python3
"""Writes expected.csv for this scenario: the indicators-py plugin's twelve columns at its default
parameters over ../indicators-sma-talib/bars.csv (TA-Lib's regression series), each computed here
from its textbook definition in plain Python, independently of the plugin and of the host's
kernels, and checked against TA-Lib's published values. Run from anywhere: python3 reference.py

  sma(20)                 mean of the last 20 closes
  ema(20)                 k = 2/21, seeded at bar 19 with sma(20) (TA-Lib EMA)
  rsi(14)                 Wilder: average gain and loss over the first 14 changes, then
                          avg = (avg * 13 + x) / 14; 100 * gain / (gain + loss) (TA-Lib RSI)
  macd(12, 26, 9)         EMA(12) - EMA(26), both seeded at bar 25 (the fast one over bars 14..25),
                          signal EMA(9) of it seeded with the mean of its first 9 values (TA-Lib MACD)
  atr(14)                 Wilder's average of the true range from bar 1, first at bar 14 (TA-Lib ATR)
  bb_*(20, 2)             sma(20) +- 2 population standard deviations of the window (TA-Lib BBANDS)
  log_return, volatility  ln(c / c_prev); sample standard deviation of the last 20 of them
"""

import csv
import math
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
NAN = float("nan")


def mean(xs):
    return sum(xs) / len(xs)


def ema(values, n, start):
    """TA-Lib's EMA(n) over values[start:], placed at the same indices; NaN before start + n - 1."""
    out = [NAN] * len(values)
    k = 2 / (n + 1)
    e = mean(values[start : start + n])
    out[start + n - 1] = e
    for i in range(start + n, len(values)):
        e = e + k * (values[i] - e)
        out[i] = e
    return out


def plain(x):
    return "NaN" if math.isnan(x) else format(Decimal(repr(x)), "f")


def main():
    with open(HERE.parent / "indicators-sma-talib" / "bars.csv", newline="") as f:
        bars = list(csv.DictReader(f))
    ts = [b["timestamp"] for b in bars]
    close, high, low = ([float(b[k]) for b in bars] for k in ("close", "high", "low"))
    n = len(close)

    sma = [mean(close[i - 19 : i + 1]) if i >= 19 else NAN for i in range(n)]
    ema20 = ema(close, 20, 0)

    rsi = [NAN] * n
    changes = [close[i] - close[i - 1] for i in range(1, n)]
    gain = mean([max(c, 0.0) for c in changes[:14]])
    loss = mean([max(-c, 0.0) for c in changes[:14]])
    rsi[14] = 100 * gain / (gain + loss)
    for i in range(15, n):
        c = changes[i - 1]
        gain, loss = (gain * 13 + max(c, 0.0)) / 14, (loss * 13 + max(-c, 0.0)) / 14
        rsi[i] = 100 * gain / (gain + loss)

    slow = ema(close, 26, 0)
    fast = ema(close, 12, 26 - 12)
    line = [fast[i] - slow[i] for i in range(n)]
    signal = [NAN] * 25 + ema(line[25:], 9, 0)
    macd = [line[i] if i >= 33 else NAN for i in range(n)]
    macd_signal = [signal[i] if i >= 33 else NAN for i in range(n)]
    macd_hist = [macd[i] - macd_signal[i] for i in range(n)]

    tr = [NAN] + [max(high[i], close[i - 1]) - min(low[i], close[i - 1]) for i in range(1, n)]
    atr = [NAN] * n
    a = mean(tr[1:15])
    atr[14] = a
    for i in range(15, n):
        a = (a * 13 + tr[i]) / 14
        atr[i] = a

    std = [math.sqrt(mean([(x - sma[i]) ** 2 for x in close[i - 19 : i + 1]])) if i >= 19 else NAN for i in range(n)]
    bb_upper = [sma[i] + 2 * std[i] for i in range(n)]
    bb_lower = [sma[i] - 2 * std[i] for i in range(n)]

    log_return = [NAN] + [math.log(close[i] / close[i - 1]) for i in range(1, n)]
    volatility = [NAN] * n
    for i in range(20, n):
        window = log_return[i - 19 : i + 1]
        m = mean(window)
        volatility[i] = math.sqrt(sum((r - m) ** 2 for r in window) / 19)

    # TA-Lib's published values (ta_regtest).
    assert round(rsi[14], 4) == 49.1473, rsi[14]
    assert (round(macd[33], 4), round(macd_signal[33], 4)) == (-1.9738, -2.7071), (macd[33], macd_signal[33])

    columns = {
        "sma": sma,
        "ema": ema20,
        "rsi": rsi,
        "macd": macd,
        "macd_signal": macd_signal,
        "macd_hist": macd_hist,
        "atr": atr,
        "bb_upper": bb_upper,
        "bb_middle": sma,
        "bb_lower": bb_lower,
        "log_return": log_return,
        "volatility": volatility,
    }
    with open(HERE / "expected.csv", "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["ts", *columns])
        for i in range(n):
            out.writerow([ts[i], *(plain(c[i]) for c in columns.values())])


if __name__ == "__main__":
    main()
