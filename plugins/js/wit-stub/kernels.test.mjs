// Tests of kernels.mjs, the plain-JavaScript kernels the stub serves: TA-Lib's published values on
// its regression series (tests/fixtures/talib), and small cases worked by hand from each kernel's
// documented definition (wit/kernels.wit). Run by a plugin's `npm test`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import * as k from './kernels.mjs';

const NAN = NaN;

function regressionSeries() {
  const url = new URL('../../../tests/fixtures/talib/ta_regtest_daily_252.csv', import.meta.url);
  const text = readFileSync(url, 'utf8');
  const [header, ...rows] = text.trim().split('\n').map((line) => line.split(','));
  const col = (name) => rows.map((r) => Number(r[header.indexOf(name)]));
  return { high: col('high'), low: col('low'), close: col('close') };
}

function assertColumn(got, expected, eps = 1e-12) {
  assert.equal(got.length, expected.length, `${got} against ${expected}`);
  expected.forEach((b, i) => {
    const a = got[i];
    if (Number.isNaN(b)) assert.ok(Number.isNaN(a), `index ${i}: ${a} (expected NaN)`);
    else assert.ok(Math.abs(a - b) <= eps * Math.max(1, Math.abs(b)), `index ${i}: ${a} against ${b}`);
  });
}

function assertInvalid(fn, message) {
  assert.throws(fn, (err) => err.payload.tag === 'invalid-argument' && err.payload.val === message);
}

const round = (x, places) => Math.round(x * 10 ** places) / 10 ** places;

test('TA-Lib published: SMA(30), RSI(14), MACD(12, 26, 9)', () => {
  const { close } = regressionSeries();
  const sma = k.rollingMean(close, 30);
  assert.ok(sma.slice(0, 29).every(Number.isNaN));
  assert.equal(round(sma[29], 4), 90.4263);
  assert.equal(round(sma[251], 2), 108.42);
  assert.equal(round(k.rsi(close, 14)[14], 4), 49.1473);
  const lines = k.macd(close, 12, 26, 9);
  assert.ok(lines.macd.slice(0, 33).every(Number.isNaN));
  const first = [lines.macd[33], lines.signal[33], lines.hist[33]].map((v) => round(v, 4));
  assert.deepEqual(first, [-1.9738, -2.7071, 0.7333]);
});

test('windows: sum, mean, min, max, var, std, argmin/argmax (newest tie), rank, zscore', () => {
  const x = [1, 4, 2, 8];
  assertColumn(k.rollingSum(x, 3), [NAN, NAN, 7, 14]);
  assertColumn(k.rollingMean(x, 3), [NAN, NAN, 7 / 3, 14 / 3]);
  assertColumn(k.rollingMin(x, 3), [NAN, NAN, 1, 2]);
  assertColumn(k.rollingMax(x, 3), [NAN, NAN, 4, 8]);
  assertColumn(k.rollingVar([1, 2, 3, 4], 3, 'population'), [NAN, NAN, 2 / 3, 2 / 3]);
  assertColumn(k.rollingStd([1, 2, 3, 4], 3, 'sample'), [NAN, NAN, 1, 1]);
  assertColumn(k.rollingArgmin([3, 1, 1, 5, 5, 0], 3), [NAN, NAN, 2, 2, 2, 5]);
  assertColumn(k.rollingArgmax([3, 1, 1, 5, 5, 0], 3), [NAN, NAN, 0, 3, 4, 4]);
  assertColumn(k.rollingRank([2, 1, 2, 2, 0.5], 3), [NAN, NAN, 2.5, 2.5, 1]);
  const z = [NAN, NAN, 1 / Math.sqrt(2 / 3), (3 - 8 / 3) / Math.sqrt(2 / 9), NAN, NAN];
  assertColumn(k.zscore([1, 2, 3, 3, 3, 3], 3, 'population'), z);
});

test('a NaN restarts the window; periods out of range are refused by name', () => {
  assertColumn(k.rollingSum([1, 2, NAN, 3, 4, 5], 2), [NAN, 3, NAN, NAN, 7, 9]);
  assertInvalid(() => k.rollingMean([1], 0), 'rolling-mean: period 0 is out of range 1..=100000');
  assertInvalid(() => k.rollingStd([1], 1, 'sample'), 'rolling-std: period 1 is out of range 2..=100000');
  assertInvalid(() => k.macd([1], 26, 26, 9), 'macd: fast 26 is not below slow 26');
});

test('smoothing: EMA and Wilder seed with the mean; RSI by hand, 0 on a flat start', () => {
  assertColumn(k.ema([1, 2, 3, 6, 0], 3), [NAN, NAN, 2, 4, 2]);
  assertColumn(k.wilder([2, 4, 5, 0], 2), [NAN, 3, 4, 2]);
  assertColumn(k.rsi([1, 2, 1, 3], 2), [NAN, NAN, 50, (100 * 1.25) / 1.5]);
  assertColumn(k.rsi([1, 1, 1, 2], 2), [NAN, NAN, 0, 100]);
});

test('ranges: true range, ATR as Wilder of it from bar 1, Bollinger as SMA ± k population std', () => {
  assertColumn(k.trueRange([10, 12, 11], [9, 11, 7], [9.5, 11.5, 8]), [NAN, 2.5, 4.5]);
  const { high, low, close } = regressionSeries();
  const ranges = k.trueRange(high, low, close);
  const atr = k.atr(high, low, close, 14);
  assert.ok(atr.slice(0, 14).every(Number.isNaN));
  const seed = ranges.slice(1, 15).reduce((a, b) => a + b) / 14;
  assertColumn([atr[14], atr[15]], [seed, (atr[14] * 13 + ranges[15]) / 14]);
  const bands = k.bollinger(close, 20, 2, 1);
  const middle = k.rollingMean(close, 20);
  const std = k.rollingStd(close, 20, 'population');
  assertColumn(bands.middle, Array.from(middle));
  assertColumn(bands.upper, Array.from(middle, (m, i) => m + 2 * std[i]));
  assertColumn(bands.lower, Array.from(middle, (m, i) => m - std[i]));
  assertInvalid(
    () => k.atr([1], [1, 2], [1], 14),
    'atr: columns of different lengths (high 1, low 2, close 1); expected one length',
  );
});

test('element-wise: log return, pct change, diff, shift, cumulative sum', () => {
  const x = [1, 2, 0, 4];
  assertColumn(k.logReturn(x, 1), [NAN, Math.log(2), NAN, NAN]);
  assertColumn(k.pctChange(x, 1), [NAN, 1, -1, 0]);
  assertColumn(k.diff(x, 2), [NAN, NAN, -1, 2]);
  assertColumn(k.shift(x, 1), [NAN, 1, 2, 0]);
  assertColumn(k.cumulativeSum([1, NAN, 2]), [1, NAN, 3]);
});
