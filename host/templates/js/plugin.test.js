// Native tests: `npm test` in this folder (node --test, with the WIT reader import served by
// wit-stub/reader.mjs, which answers as the host does for the unit given to `serve`).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { reads, serve } from 'candlewick:market-data/reader@0.2.0';

import { barRange, build, describe, plan } from './{{name}}.js';

test('barRange is high - low, or relative to the close', () => {
  const bars = { high: [2, 5], low: [1, 3], close: [1.5, 4] };
  assert.deepEqual(Array.from(barRange(bars, false)), [1, 2]);
  assert.deepEqual(Array.from(barRange(bars, true)), [1 / 1.5, 0.5]);
});

test('plan reads the own series, the close only when relative, without warm-up', () => {
  const relative = (val) => [{ name: 'relative', value: { tag: 'boolean', val } }];
  const own = { timeframe: undefined, symbols: { tag: 'unit-symbol' }, warmUpBars: 0 };
  assert.deepEqual(plan(relative(false)), { inputs: [{ ...own, fields: { high: true, low: true } }] });
  assert.deepEqual(plan(relative(true)), { inputs: [{ ...own, fields: { high: true, low: true, close: true } }] });
});

test('build reads its input and returns one row per bar of the window', () => {
  // The unit as the host scopes it from the plan: EURUSD 1h, high and low, from the window's start.
  const unit = {
    symbol: 'EURUSD',
    timeframe: 'hour1',
    window: { start: 20n, end: 30n },
    asOf: 30n,
    inputs: [{ symbols: ['EURUSD'], timeframe: 'hour1', fields: { high: true, low: true }, warmUpFrom: 20n }],
    params: [],
  };
  serve(unit, { 'EURUSD hour1': { ts: [10, 20, 30], high: [2, 5, 4], low: [1, 3, 4], close: [1.5, 4, 4] } });
  assert.equal(describe().name, '{{name}}');
  assert.deepEqual(build(unit), {
    ts: [20n, 30n],
    columns: [{ name: 'range', values: { tag: 'float', val: [2, 0] } }],
  });
  assert.deepEqual(reads[0].range, { start: 20n, end: 30n });
});
