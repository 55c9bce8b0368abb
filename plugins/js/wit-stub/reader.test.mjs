// Tests of the reader stub itself (run by the JavaScript plugins' `npm test`): it must answer as
// the host does (wit/reader.wit), or a plugin's native tests prove nothing. Expected values are
// worked out by hand from the bars below.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  aligned,
  availability,
  closeOf,
  latest,
  multiRange,
  openRange,
  range,
  reads,
  serve,
  summary,
  timeframes,
} from './reader.mjs';

const H = 3_600_000_000n;
/** The reader's out-of-scope error, as jco's bindings throw it. */
const isOutOfScope = (err) => err.payload?.tag === 'out-of-scope';
const D = 24n * H;

/** A unit at 1h over hours 48..71 (day 2), as-of its last hour, reading 1h and 1d of AAA and 1d of SPX. */
function unit() {
  return {
    symbol: 'AAA',
    timeframe: 'hour1',
    window: { start: 48n * H, end: 71n * H },
    asOf: 71n * H,
    inputs: [
      { symbols: ['AAA'], timeframe: 'hour1', fields: { close: true }, warmUpFrom: 46n * H },
      { symbols: ['AAA', 'SPX'], timeframe: 'day1', fields: { close: true, volume: true }, warmUpFrom: 0n },
    ],
    params: [],
  };
}

const hours = Array.from({ length: 72 }, (_, i) => BigInt(i) * H);
const SERIES = {
  'AAA hour1': { ts: hours, close: hours.map((_, i) => i), volume: hours.map(() => 1n) },
  'AAA day1': { ts: [0n, D, 2n * D], close: [10, 11, 12], volume: [5n, 6n, 7n] },
  'SPX day1': { ts: [0n, D, 2n * D], close: [100, 101, 102], volume: [1n, 2n, 3n] },
  'BBB hour1': { ts: hours, close: hours.map(() => 1) },
};

test('a range is inclusive, from the warm-up start, with only the asked-for fields', () => {
  serve(unit(), SERIES);
  const bars = range('AAA', 'hour1', { start: 46n * H, end: 48n * H }, { close: true });
  assert.deepEqual(bars.ts, BigInt64Array.from([46n * H, 47n * H, 48n * H]));
  assert.deepEqual(bars.close, Float64Array.from([46, 47, 48]));
  assert.equal(bars.volume.length, 0);
  assert.equal(reads.length, 1);
});

test('what no input declares is out of scope: series, fields, before warm-up, after as-of', () => {
  serve(unit(), SERIES);
  const scoped = (call) => assert.throws(call, isOutOfScope);
  scoped(() => range('BBB', 'hour1', { start: 48n * H, end: 49n * H }, { close: true }));
  scoped(() => range('AAA', 'hour4', { start: 48n * H, end: 49n * H }, { close: true }));
  scoped(() => range('AAA', 'hour1', { start: 48n * H, end: 49n * H }, { close: true, volume: true }));
  scoped(() => range('AAA', 'hour1', { start: 45n * H, end: 49n * H }, { close: true }));
  scoped(() => range('AAA', 'hour1', { start: 48n * H, end: 72n * H }, { close: true }));
  scoped(() => multiRange(['AAA', 'BBB'], 'hour1', { start: 48n * H, end: 49n * H }, { close: true }));
  assert.throws(() => range('BBB', 'hour1', { start: 48n * H, end: 49n * H }, { close: true }), {
    payload: {
      tag: 'out-of-scope',
      val:
        `BBB hour1 (this unit's inputs: AAA hour1 [close] from ${46n * H}; AAA,SPX day1 [close volume] from 0)`,
    },
  });
});

test('a cursor streams batches of at most batch-rows bars', () => {
  serve(unit(), SERIES);
  const cursor = openRange('AAA', 'hour1', { start: 66n * H, end: 70n * H }, { close: true }, 2);
  const sizes = [];
  for (let batch = cursor.nextBatch(); batch !== undefined; batch = cursor.nextBatch()) sizes.push(batch.ts.length);
  assert.deepEqual(sizes, [2, 2, 1]);
});

test('aligned shows a daily bar from the hourly row that closes at its close, never earlier', () => {
  serve(unit(), SERIES);
  // Rows 47h..49h: the row opening at 47h closes at 48h = the close of day 1 (opened at 24h):
  // day 1 is aligned from there on. At 46h (closing 47h) only day 0 has closed.
  const got = aligned('AAA', 'SPX', 'day1', { start: 46n * H, end: 49n * H }, { close: true });
  assert.deepEqual(got.ts, BigInt64Array.from([46n * H, 47n * H, 48n * H, 49n * H]));
  assert.deepEqual(got.sourceTs, [0n, D, D, D]);
  assert.deepEqual(got.close, Float64Array.from([100, 101, 101, 101]));
  assert.equal(got.open.length, 0);
  assert.equal(got.volume.length, 0);
  // Day 2 (opened at 48h) closes at 72h: not at the row of 70h, which closes at 71h; at the row
  // of 71h, which closes at 72h.
  const last = aligned('AAA', 'AAA', 'day1', { start: 70n * H, end: 71n * H }, { volume: true });
  assert.deepEqual(last.sourceTs, [D, 2n * D]);
  assert.deepEqual(last.volume, [6n, 7n]);
});

test('aligned is none before the other series first closes, and checks both series', () => {
  const u = unit();
  serve(u, { ...SERIES, 'SPX day1': { ts: [D], close: [101], volume: [2n] } });
  const got = aligned('AAA', 'SPX', 'day1', { start: 46n * H, end: 47n * H }, { close: true, volume: true });
  assert.deepEqual(got.sourceTs, [undefined, D]);
  assert.ok(Number.isNaN(got.close[0]));
  assert.deepEqual(got.volume, [undefined, 2n]);
  assert.throws(() => aligned('AAA', 'SPX', 'day1', { start: 48n * H, end: 49n * H }, { open: true }), {
    payload: { tag: 'out-of-scope', val: 'fields [open] of SPX day1 (declared: [close volume])' },
  });
  assert.throws(() => aligned('BBB', 'SPX', 'day1', { start: 48n * H, end: 49n * H }, { close: true }), isOutOfScope);
});

test('close times: fixed steps, calendar months, ticks', () => {
  assert.equal(closeOf('hour1', 0n), H);
  assert.equal(closeOf('week1', 0n), 7n * D);
  assert.equal(closeOf('tick', 5n), 5n);
  // The bar of February 2024 opens at 2024-02-01T00:00Z and closes at 2024-03-01T00:00Z: 29
  // days, a leap year.
  assert.equal(closeOf('month1', 1_706_745_600_000_000n), 1_709_251_200_000_000n);
});

test('latest, availability, timeframes and summary see only the inputs, up to as-of', () => {
  serve(unit(), SERIES);
  assert.deepEqual(availability('AAA', 'hour1'), { count: 26n, earliest: 46n * H, latest: 71n * H });
  assert.deepEqual(
    latest(['AAA'], 'day1').map((b) => [b.symbol, b.ts, b.close]),
    [['AAA', 2n * D, 12]],
  );
  assert.deepEqual(timeframes('AAA'), ['hour1', 'day1']);
  assert.deepEqual(
    summary().map((e) => [e.symbol, e.timeframe, e.availability.count]),
    [
      ['AAA', 'hour1', 26n],
      ['AAA', 'day1', 3n],
      ['SPX', 'day1', 3n],
    ],
  );
  assert.throws(() => availability('BBB', 'hour1'), isOutOfScope);
});

test('a served error fails every call with that variant', () => {
  serve(unit(), { error: { tag: 'unavailable' } });
  assert.throws(() => range('AAA', 'hour1', { start: 48n * H, end: 49n * H }, { close: true }), {
    payload: { tag: 'unavailable' },
  });
});
