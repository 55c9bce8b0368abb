// Tests of series.js over the stub's plain-JavaScript kernels (../wit-stub, resolved by its
// register.mjs): the pandas-like names reach the right kernel with the right arguments, shapes and
// NaN warm-ups are as documented, element-wise arithmetic is IEEE's. Run by a plugin's `npm test`.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { KernelError, Series, atr, firstAtOrAfter, trueRange } from './series.js';

const NAN = NaN;

function assertValues(got, expected, eps = 1e-12) {
  assert.ok(got instanceof Series, `${got} is not a Series`);
  assert.ok(got.values instanceof Float64Array);
  assert.equal(got.length, expected.length);
  expected.forEach((b, i) => {
    const a = got.values[i];
    if (Number.isNaN(b)) assert.ok(Number.isNaN(a), `index ${i}: ${a} (expected NaN)`);
    else assert.ok(a === b || Math.abs(a - b) <= eps * Math.max(1, Math.abs(b)), `index ${i}: ${a} against ${b}`);
  });
}

test('rolling methods and the pandas spelling agree; std is sample by default', () => {
  const s = new Series([1, 2, 3, 4]);
  assertValues(s.rollingMean(3), [NAN, NAN, 2, 3]);
  assertValues(s.rolling(3).mean(), [NAN, NAN, 2, 3]);
  assertValues(s.rolling(2).sum(), [NAN, 3, 5, 7]);
  assertValues(s.rolling(3).std(), [NAN, NAN, 1, 1]);
  assertValues(s.rollingStd(3, 0), [NAN, NAN, Math.sqrt(2 / 3), Math.sqrt(2 / 3)]);
  assertValues(new Series([3, 1, 2, 5]).rolling(3).rank(), [NAN, NAN, 2, 3]);
  const z = [NAN, NAN, 1 / Math.sqrt(2 / 3), (3 - 8 / 3) / Math.sqrt(2 / 9), NAN];
  assertValues(new Series([1, 2, 3, 3, 3]).zscore(3, 0), z);
  assert.throws(() => s.rollingStd(3, 2), /ddof 2 is not supported/);
});

test('indicators: ewm/ema, RSI, MACD and Bollinger as three series, ATR', () => {
  const s = new Series([1, 2, 3, 6, 0]);
  assertValues(s.ewm(3).mean(), [NAN, NAN, 2, 4, 2]);
  assertValues(new Series([1, 2, 1, 3]).rsi(2), [NAN, NAN, 50, (100 * 1.25) / 1.5]);
  const close = new Series(Array.from({ length: 40 }, (_, i) => i + 1));
  const [macd, signal, hist] = close.macd(12, 26, 9);
  assert.ok(Number.isNaN(macd.at(32)) && !Number.isNaN(macd.at(33)));
  assert.ok(Math.abs(hist.at(39) - (macd.at(39) - signal.at(39))) < 1e-12);
  const [upper, middle, lower] = close.bollinger(20, 2);
  assertValues(middle, Array.from(close.rollingMean(20).values));
  assert.ok(Math.abs(upper.at(19) - middle.at(19) - 2 * Math.sqrt(399 / 12)) < 1e-9);
  assert.ok(Math.abs(middle.at(19) - lower.at(19) - (upper.at(19) - middle.at(19))) < 1e-12);
  const [high, low, c] = [new Series([10, 12, 11]), [9, 11, 7], new Series([9.5, 11.5, 8])];
  assertValues(trueRange(high, low, c), [NAN, 2.5, 4.5]);
  assertValues(atr(high, low, c, 2), [NAN, NAN, 3.5]);
});

test('a bad argument is a KernelError with the host message', () => {
  assert.throws(
    () => new Series([1, 2]).rsi(1),
    (err) => err instanceof KernelError && err.message === 'rsi: period 1 is out of range 2..=100000',
  );
});

test('element-wise kernels and arithmetic', () => {
  const s = new Series([1, 2, 4]);
  assertValues(s.logReturn(), [NAN, Math.log(2), Math.log(2)]);
  assertValues(s.pctChange(), [NAN, 1, 1]);
  assertValues(s.diff(), [NAN, 1, 2]);
  assertValues(s.shift(2), [NAN, NAN, 1]);
  assertValues(s.cumsum(), [1, 3, 7]);
  const [a, b] = [new Series([1, 0, -2, NAN]), new Series([2, 0, 0, 1])];
  assertValues(a.add(b), [3, 0, -2, NAN]);
  assertValues(a.sub(1), [0, -1, -3, NAN]);
  assertValues(a.mul(2), [2, 0, -4, NAN]);
  assertValues(a.div(b), [0.5, NAN, -Infinity, NAN]);
  assertValues(a.abs(), [1, 0, 2, NAN]);
  assertValues(a.fillna(0), [1, 0, -2, 0]);
  assert.throws(() => a.add(new Series([1])), /series of different lengths: 4 and 1/);
});

test('slices are series; firstAtOrAfter finds the window with BigInt timestamps', () => {
  const s = new Series([1, 2, 3]);
  assertValues(s.slice(1), [2, 3]);
  assert.equal(s.at(-1), 3);
  const ts = BigInt64Array.from([10n, 20n, 30n, 40n]);
  assert.deepEqual([25n, 30n, 5n, 50n].map((t) => firstAtOrAfter(ts, t)), [2, 2, 0, 4]);
});
