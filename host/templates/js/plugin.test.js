// Native tests: `npm test` in this folder (node --test, with the WIT reader import served by
// wit-stub/reader.mjs).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { serve } from 'candlewick:market-data/reader@0.1.0';

import { barRange, build, describe } from './{{name}}.js';

test('barRange is high - low, or relative to the close', () => {
  const bars = { high: [2, 5], low: [1, 3], close: [1.5, 4] };
  assert.deepEqual(barRange(bars, false), [1, 2]);
  assert.deepEqual(barRange(bars, true), [1 / 1.5, 0.5]);
});

test('build returns one row per bar of the window', () => {
  serve({ ts: [10, 20, 30], high: [2, 5, 4], low: [1, 3, 4], close: [1.5, 4, 4] });
  const unit = {
    symbol: 'EURUSD',
    timeframe: 'hour1',
    window: { start: 20n, end: 30n },
    warmUpFrom: 20n,
    asOf: 30n,
    params: [],
  };
  assert.equal(describe().name, '{{name}}');
  assert.deepEqual(build(unit), { ts: [20n, 30n], columns: [{ name: 'range', values: { tag: 'float', val: [2, 0] } }] });
});
