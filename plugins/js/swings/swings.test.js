// Native tests: `npm test` in this folder (node --test, with the WIT reader import served by
// ../wit-stub/reader.mjs). The zig-zag on hand-made bars, then the exports over the stub.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { reads, serve } from 'candlewick:market-data/reader@0.1.0';

import { InvalidParams, confirmedSwings, describe as describePlugin, parseThreshold, sample } from './swings.js';

/** Bars whose high, low and close are all `prices` (a line chart). */
function line(prices) {
  return { high: prices, low: prices, close: prices };
}

test('the first bar seeds both candidates; a rise confirms its low, a fall later the high', () => {
  // 100 seeds; 105 is 5% above the seed's low: a swing low at bar 0, confirmed on bar 1. Then
  // 110 is the running high and 108.8 the first close 1% or more below it.
  const got = confirmedSwings(line([100, 105, 110, 109.5, 108.8]), 1);
  assert.deepEqual(got, [
    { index: 1, pivotIndex: 0, price: 100, direction: -1 },
    { index: 4, pivotIndex: 2, price: 110, direction: 1 },
  ]);
});

test('a fall first confirms the seed high; the next low counts from after the pivot', () => {
  const got = confirmedSwings(line([100, 99.5, 98, 99.5, 101, 100, 99.9]), 1);
  assert.deepEqual(got, [
    { index: 2, pivotIndex: 0, price: 100, direction: 1 },
    { index: 3, pivotIndex: 2, price: 98, direction: -1 },
    { index: 6, pivotIndex: 4, price: 101, direction: 1 },
  ]);
});

test('the first bar never confirms, even when its own range is wider than the threshold', () => {
  assert.deepEqual(confirmedSwings({ high: [10], low: [9], close: [9.5] }, 1), []);
});

test('a pivot can be confirmed on its own bar (bars_since_pivot 0)', () => {
  // A high at bar 0, a low at bar 1, then bar 3 makes the high 103 and closes 1.9% below it.
  const bars = { high: [100, 98, 99.5, 103], low: [100, 98, 99.5, 99.4], close: [100, 98, 99.5, 101] };
  assert.deepEqual(confirmedSwings(bars, 1), [
    { index: 1, pivotIndex: 0, price: 100, direction: 1 },
    { index: 2, pivotIndex: 1, price: 98, direction: -1 },
    { index: 3, pivotIndex: 3, price: 103, direction: 1 },
  ]);
});

test('one swing per bar: when a bar confirms both while seeking, the earlier extreme wins', () => {
  // Bar 0's low 90 and bar 1's high 120; bar 1 closes at 100, 10% above 90 and 16% below 120.
  const bars = { high: [95, 120, 100], low: [90, 95, 96], close: [92, 100, 99] };
  const got = confirmedSwings(bars, 5);
  assert.deepEqual(got, [
    { index: 1, pivotIndex: 0, price: 90, direction: -1 },
    { index: 2, pivotIndex: 1, price: 120, direction: 1 },
  ]);
});

test('no bars, no swings', () => {
  assert.deepEqual(confirmedSwings(line([]), 1), []);
});

test('threshold defaults to 1, takes ints, and must be a number above 0', () => {
  assert.equal(parseThreshold([]), 1);
  assert.equal(parseThreshold([['threshold', 'int', 2n]]), 2);
  assert.equal(parseThreshold([['threshold', 'float', 0.5]]), 0.5);
  assert.throws(() => parseThreshold([['threshold', 'float', 0]]), {
    name: 'Error',
    message: 'parameter "threshold" must be > 0 (percent), got 0',
  });
  assert.throws(() => parseThreshold([['threshold', 'float', -1]]), InvalidParams);
  assert.throws(() => parseThreshold([['threshold', 'float', NaN]]), InvalidParams);
  assert.throws(() => parseThreshold([['thresold', 'float', 1]]), /unknown parameter "thresold"/);
  assert.throws(() => parseThreshold([['threshold', 'text', 'x']]), /must be a float, got text/);
});

// ---- The component's exports, over the stub reader ----

function unit({ start, end, warmUpFrom = start, threshold }) {
  const params = threshold === undefined ? [] : [{ name: 'threshold', value: { tag: 'float', val: threshold } }];
  return {
    symbol: 'EURUSD',
    timeframe: 'hour1',
    window: { start: BigInt(start), end: BigInt(end) },
    warmUpFrom: BigInt(warmUpFrom),
    asOf: BigInt(end),
    params,
  };
}

test('describe names the plugin, its parameter with a float default and its outputs', () => {
  const info = describePlugin();
  assert.equal(info.name, 'swings');
  assert.equal(info.version, '0.1.0');
  assert.deepEqual(info.params[0].default, { tag: 'float', val: 1 });
  assert.deepEqual(info.outputs, ['pivot_price', 'direction', 'bars_since_pivot']);
  assert.equal(info.warmUpBars, 0);
});

test('sample reads high, low and close from warm-up-from and reports confirmations in the window', () => {
  const prices = [100, 99.5, 98, 99.5, 101, 100, 99.9];
  serve({ ts: [10, 20, 30, 40, 50, 60, 70], high: prices, low: prices, close: prices });
  reads.length = 0;
  // Window 40..70: the swing high confirmed at 30 is warm-up; the low at 40 and the high at 70
  // are reported.
  const table = sample(unit({ start: 40, end: 70, warmUpFrom: 10, threshold: 1 }));
  assert.deepEqual(reads[0].range, { start: 10n, end: 70n });
  assert.deepEqual(reads[0].fields, { high: true, low: true, close: true });
  assert.deepEqual(table.ts, [40n, 70n]);
  assert.deepEqual(table.columns, [
    { name: 'pivot_price', values: { tag: 'float', val: [98, 101] } },
    { name: 'direction', values: { tag: 'int', val: [-1n, 1n] } },
    { name: 'bars_since_pivot', values: { tag: 'int', val: [1n, 2n] } },
  ]);
});

test('sample returns an invalid threshold and a reader error as the WIT error variant', () => {
  assert.throws(() => sample(unit({ start: 0, end: 1, threshold: 0 })), {
    tag: 'invalid-params',
    val: 'parameter "threshold" must be > 0 (percent), got 0',
  });
  serve({ error: { tag: 'unavailable' } });
  assert.throws(() => sample(unit({ start: 0, end: 1 })), { tag: 'read', val: { tag: 'unavailable' } });
});
