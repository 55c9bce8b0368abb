// Native tests: `npm test` in this folder (node --test, with the WIT reader import served by
// ../wit-stub/reader.mjs, whose own tests run beside these). The zig-zag on hand-made bars, then
// the exports over the stub.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { reads, serve } from 'candlewick:market-data/reader@0.2.0';

import { InvalidParams, confirmedSwings, describe as describePlugin, parseParams, plan, sample } from './swings.js';

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
  assert.equal(parseParams([]).threshold, 1);
  assert.equal(parseParams([['threshold', 'int', 2n]]).threshold, 2);
  assert.equal(parseParams([['threshold', 'float', 0.5]]).threshold, 0.5);
  assert.throws(() => parseParams([['threshold', 'float', 0]]), {
    name: 'Error',
    message: 'parameter "threshold" must be > 0 (percent), got 0',
  });
  assert.throws(() => parseParams([['threshold', 'float', -1]]), InvalidParams);
  assert.throws(() => parseParams([['threshold', 'float', NaN]]), InvalidParams);
  assert.throws(() => parseParams([['thresold', 'float', 1]]), /unknown parameter "thresold"/);
  assert.throws(() => parseParams([['threshold', 'text', 'x']]), /must be a float, got text/);
});

test('warm_up_bars defaults to 0 and is an int from 0 to 2^32 - 1', () => {
  assert.equal(parseParams([]).warmUpBars, 0);
  assert.equal(parseParams([['warm_up_bars', 'int', 50n]]).warmUpBars, 50);
  assert.equal(parseParams([['warm_up_bars', 'int', 4294967295n]]).warmUpBars, 4294967295);
  assert.throws(() => parseParams([['warm_up_bars', 'int', -1n]]), {
    message: 'parameter "warm_up_bars" must be from 0 to 4294967295 (bars), got -1',
  });
  assert.throws(() => parseParams([['warm_up_bars', 'int', 4294967296n]]), InvalidParams);
  assert.throws(() => parseParams([['warm_up_bars', 'float', 2.5]]), /"warm_up_bars" must be an int, got float/);
});

// ---- The component's exports, over the stub reader ----

/** A unit over EURUSD 1h as the host makes it from the plan: one input, the unit's own series. */
function unit({ start, end, warmUpFrom = start, params = [] }) {
  return {
    symbol: 'EURUSD',
    timeframe: 'hour1',
    window: { start: BigInt(start), end: BigInt(end) },
    asOf: BigInt(end),
    inputs: [
      {
        symbols: ['EURUSD'],
        timeframe: 'hour1',
        fields: { high: true, low: true, close: true },
        warmUpFrom: BigInt(warmUpFrom),
      },
    ],
    params,
  };
}

const threshold = (val) => ({ name: 'threshold', value: { tag: 'float', val } });
const warmUp = (val) => ({ name: 'warm_up_bars', value: { tag: 'int', val } });

test('describe names the plugin, its parameters with their defaults and its outputs, and no warm-up', () => {
  const info = describePlugin();
  assert.equal(info.name, 'swings');
  assert.equal(info.version, '0.2.0');
  assert.deepEqual(
    info.params.map((p) => [p.name, p.default]),
    [
      ['threshold', { tag: 'float', val: 1 }],
      ['warm_up_bars', { tag: 'int', val: 0n }],
    ],
  );
  assert.deepEqual(info.outputs, ['pivot_price', 'direction', 'bars_since_pivot']);
  assert.equal('warmUpBars' in info, false);
});

test('plan declares the own series, exactly high, low and close, and the warm-up asked for', () => {
  const own = { timeframe: undefined, symbols: { tag: 'unit-symbol' }, fields: { high: true, low: true, close: true } };
  assert.deepEqual(plan([threshold(1), warmUp(0n)]), { inputs: [{ ...own, warmUpBars: 0 }] });
  assert.deepEqual(plan([threshold(0.4), warmUp(250n)]), { inputs: [{ ...own, warmUpBars: 250 }] });
  assert.throws(() => plan([threshold(0)]), {
    tag: 'invalid-params',
    val: 'parameter "threshold" must be > 0 (percent), got 0',
  });
  assert.throws(() => plan([warmUp(-3n)]), { tag: 'invalid-params' });
});

test('sample reads its input from warm-up-from and reports confirmations in the window', () => {
  const prices = [100, 99.5, 98, 99.5, 101, 100, 99.9];
  // Window 40..70, warm-up from 10: the swing high confirmed at 30 is warm-up; the low at 40 and
  // the high at 70 are reported.
  const u = unit({ start: 40, end: 70, warmUpFrom: 10, params: [threshold(1)] });
  serve(u, { 'EURUSD hour1': { ts: [10, 20, 30, 40, 50, 60, 70], high: prices, low: prices, close: prices } });
  const table = sample(u);
  assert.deepEqual(
    reads.map((r) => [r.call, r.symbol, r.timeframe, r.range]),
    [['open-range', 'EURUSD', 'hour1', { start: 10n, end: 70n }]],
  );
  assert.deepEqual(reads[0].fields, { high: true, low: true, close: true });
  assert.deepEqual(table.ts, [40n, 70n]);
  assert.deepEqual(table.columns, [
    { name: 'pivot_price', values: { tag: 'float', val: [98, 101] } },
    { name: 'direction', values: { tag: 'int', val: [-1n, 1n] } },
    { name: 'bars_since_pivot', values: { tag: 'int', val: [1n, 2n] } },
  ]);
});

test('without warm-up the zig-zag is seeded at the window start', () => {
  const prices = [100, 99.5, 98, 99.5, 101, 100, 99.9];
  const u = unit({ start: 40, end: 70, params: [threshold(1)] });
  serve(u, { 'EURUSD hour1': { ts: [10, 20, 30, 40, 50, 60, 70], high: prices, low: prices, close: prices } });
  // Seeded by 99.5 at 40: 101 at 50 closes 1.5% above it, a swing low at 40 confirmed at 50;
  // 99.9 at 70 is 1.1% below 101, the swing high confirmed there. The low at 30 is never seen.
  const table = sample(u);
  assert.equal(reads[0].range.start, 40n);
  assert.deepEqual(table.ts, [50n, 70n]);
  assert.deepEqual(table.columns[0].values.val, [99.5, 101]);
});

test('a warm-up start of everything stored reads from the series\' first bar', () => {
  // The host's warmUpFrom for a series with fewer bars before the window than the warm-up: -2^63.
  const prices = [100, 99.5, 98, 99.5, 101, 100, 99.9];
  const u = unit({ start: 40, end: 70, warmUpFrom: -(2n ** 63n), params: [threshold(1), warmUp(1000n)] });
  serve(u, { 'EURUSD hour1': { ts: [10, 20, 30, 40, 50, 60, 70], high: prices, low: prices, close: prices } });
  const table = sample(u);
  assert.deepEqual(
    reads.map((r) => [r.call, r.range]),
    [
      ['availability', undefined],
      ['open-range', { start: 10n, end: 70n }],
    ],
  );
  assert.deepEqual(table.ts, [40n, 70n]);
});

test('sample returns an invalid threshold and a reader error as the WIT error variant', () => {
  assert.throws(() => sample(unit({ start: 0, end: 1, params: [threshold(0)] })), {
    tag: 'invalid-params',
    val: 'parameter "threshold" must be > 0 (percent), got 0',
  });
  const u = unit({ start: 0, end: 1 });
  serve(u, { error: { tag: 'unavailable' } });
  assert.throws(() => sample(u), { tag: 'read', val: { tag: 'unavailable' } });
  // A unit whose input does not declare what the plugin reads: the stub refuses it as the host does.
  serve({ ...u, inputs: [{ ...u.inputs[0], fields: { close: true } }] }, { 'EURUSD hour1': { ts: [0] } });
  assert.throws(() => sample({ ...u, inputs: [{ ...u.inputs[0], fields: { close: true } }] }), (err) => {
    assert.equal(err.tag, 'read');
    assert.equal(err.val.tag, 'out-of-scope');
    assert.match(err.val.val, /^fields \[high low\] of EURUSD hour1 \(declared: \[close\]\)$/);
    return true;
  });
});
