// The `{{name}}` feature builder: each bar's range, high − low (or, with `relative`, divided by the
// close), as a Candlewick Wasm component (world `feature-builder` of `candlewick:market-data@0.2.0`,
// built by `jco componentize` with every WASI feature but stdio disabled).
//
// `series.js` beside it wraps the host's native kernels (rolling windows, EMA, RSI, MACD, ATR,
// Bollinger Bands, z-score, returns: `new Series(close).rollingMean(20)`); the build bundles it, and
// any other module of this folder imported by a relative path. How jco maps the WIT types: s64 (timestamps,
// int params) is a BigInt, a u32 (`warmUpBars`) a Number, list<s64> a BigInt64Array and list<f64>
// a Float64Array; records are objects with camelCase keys; an option the value or `undefined`;
// flags an object of booleans; enums kebab-case strings; variants `{ tag, val }` (`{ tag }`
// without a payload). An import's error throws an error whose `payload` is the error variant;
// throwing `{ tag, val }` from an export returns that error.

import { openRange } from 'candlewick:market-data/reader@0.2.0';

import { Series } from './series.js';

// Bars per cursor batch, the 16,384 every Candlewick plugin asks for (why: guest_support::BATCH_ROWS
// in plugins/guest-support/src/batch.rs): the host's own default cap on a batch, so asking for more
// gains nothing; at most 768 KiB of columns a call; a year of minute bars in 33 calls.
const BATCH_ROWS = 16384;

/** Each bar's high − low, divided by its close when `relative`, a Float64Array: element-wise
 * arithmetic of `series.js`, which runs here (the kernels it also wraps run in the host). */
export function barRange({ high, low, close }, relative) {
  const range = new Series(high).sub(new Series(low));
  return (relative ? range.div(new Series(close)) : range).values;
}

/** The value columns read: the high and low, and the close only when the range is relative to it. */
export function fieldsFor(relative) {
  return relative ? { high: true, low: true, close: true } : { high: true, low: true };
}

/** The `relative` parameter (the host has filled in the default and checked its type). */
function relativeOf(params) {
  return params.find((p) => p.name === 'relative')?.value.val ?? false;
}

export function describe() {
  return {
    name: '{{name}}',
    version: '0.1.0',
    description: 'bar range: high - low, or (high - low) / close',
    params: [
      { name: 'relative', default: { tag: 'boolean', val: false }, description: 'divide the range by the close' },
    ],
    outputs: ['range'],
  };
}

export function plan(params) {
  // One input: the unit's own series (timeframe undefined: the unit's), only the fields used, and
  // no warm-up: a bar's range needs no earlier bar.
  const fields = fieldsFor(relativeOf(params));
  return { inputs: [{ timeframe: undefined, symbols: { tag: 'unit-symbol' }, fields, warmUpBars: 0 }] };
}

export function build(unit) {
  const relative = relativeOf(unit.params);
  // The plan's one input, as the host scoped it for this unit; with no warm-up its
  // `warmUpFrom` is the window's start.
  const own = unit.inputs[0];
  const span = { start: own.warmUpFrom, end: unit.window.end };
  const ts = [];
  const range = [];
  try {
    const cursor = openRange(unit.symbol, own.timeframe, span, fieldsFor(relative), BATCH_ROWS);
    for (let batch = cursor.nextBatch(); batch !== undefined; batch = cursor.nextBatch()) {
      ts.push(...batch.ts);
      range.push(...barRange(batch, relative));
    }
  } catch (err) {
    // A reader error: its variant is passed on for the host to report.
    if (err && err.payload !== undefined) throw { tag: 'read', val: err.payload };
    throw err;
  }
  return { ts, columns: [{ name: 'range', values: { tag: 'float', val: range } }] };
}
