// The `swings` sampler: zig-zag swing pivots, each reported on the bar that confirms it, as a
// Candlewick Wasm component (world `sampler` of `candlewick:market-data@0.2.0`, built by
// `jco componentize` with every WASI feature but stdio disabled: the component imports only the
// reader, and stdout/stderr for its errors).
//
// One module, as componentize-js takes a single file: first the zig-zag and the parameter checks,
// which touch no WIT type and are exported for the native tests too (swings.test.js, with the
// reader stubbed by ../wit-stub/), then the component's exports and their glue. How jco maps the WIT types
// (checked with jco 1.24.6 / componentize-js 0.23.0):
//   - s64 (timestamps, volumes, int params) is a BigInt; list<s64> arrives as a BigInt64Array
//     and list<f64> as a Float64Array; either a typed array or a plain array may be returned;
//   - records are objects with camelCase keys (`warmUpFrom`, `asOf`, `warmUpBars`); an option is
//     the value or `undefined`;
//   - flags are an object of booleans (`{ high: true, low: true, close: true }`);
//   - enums are their kebab-case strings (`'hour1'`); variants are `{ tag, val }`, a case without
//     a payload `{ tag }` (`{ tag: 'unit-symbol' }`); a u32 is a Number;
//   - an imported function's error throws a `ComponentError` whose `payload` is the error
//     variant; throwing a plain `{ tag, val }` from an export returns it as the result's error.

import { availability, openRange } from 'candlewick:market-data/reader@0.2.0';

const NAME = 'swings';
const VERSION = '0.2.0';
const OUTPUTS = ['pivot_price', 'direction', 'bars_since_pivot'];

// Bars per cursor batch, the 16,384 every Candlewick plugin asks for (why: guest_support::BATCH_ROWS
// in plugins/guest-support/src/batch.rs): the host's own default cap on a batch, so asking for more
// gains nothing; at most 768 KiB of columns a call; a year of minute bars in 33 calls. Written here,
// not imported, because componentize-js takes a single module.
const BATCH_ROWS = 16384;

// ---- The zig-zag (README.md defines the rules; the comments point at them) ----

/** The parameters, their defaults and their one line with the unit. */
const THRESHOLD = {
  name: 'threshold',
  default: 1.0,
  description: 'reversal that confirms a swing, in percent of the running extreme (> 0)',
};
const WARM_UP = {
  name: 'warm_up_bars',
  default: 0n,
  description: 'bars before the window the zig-zag reads to settle, confirmations there dropped (>= 0)',
};

/** The largest warm-up a plan can declare: `warm-up-bars` is a u32. */
const MAX_WARM_UP_BARS = 4294967295n;

/** A parameter is unknown, of the wrong type or out of range; the message says which. */
export class InvalidParams extends Error {}

/**
 * `{ threshold, warmUpBars }` from `[name, kind, value]` triples (kind: int, float, text,
 * boolean): the threshold in percent, a finite number above 0 (an int is taken as a float); the
 * warm-up in bars, an int from 0 to 2^32 - 1. Anything else is rejected by name.
 */
export function parseParams(given) {
  let threshold = THRESHOLD.default;
  let warmUpBars = WARM_UP.default;
  for (const [name, kind, value] of given) {
    if (name === THRESHOLD.name) {
      if (kind !== 'float' && kind !== 'int') {
        throw new InvalidParams(`parameter "threshold" must be a float, got ${kind} ${String(value)}`);
      }
      threshold = Number(value);
    } else if (name === WARM_UP.name) {
      if (kind !== 'int') {
        throw new InvalidParams(`parameter "warm_up_bars" must be an int, got ${kind} ${String(value)}`);
      }
      warmUpBars = BigInt(value);
    } else {
      throw new InvalidParams(`unknown parameter "${name}" (expected ${THRESHOLD.name} or ${WARM_UP.name})`);
    }
  }
  if (!(threshold > 0) || !Number.isFinite(threshold)) {
    throw new InvalidParams(`parameter "threshold" must be > 0 (percent), got ${threshold}`);
  }
  if (warmUpBars < 0n || warmUpBars > MAX_WARM_UP_BARS) {
    throw new InvalidParams(
      `parameter "warm_up_bars" must be from 0 to ${MAX_WARM_UP_BARS} (bars), got ${warmUpBars}`,
    );
  }
  return { threshold, warmUpBars: Number(warmUpBars) };
}

const SEEKING = 0; // no pivot yet: tracking both the highest high and the lowest low
const UP = 1; // the last pivot was a low: tracking the highest high since
const DOWN = 2; // the last pivot was a high: tracking the lowest low since

/**
 * The confirmed swings of bars `{ high, low, close }` (array-likes of equal length, ascending),
 * in order: `{ index, pivotIndex, price, direction }`, `index` being the confirming bar,
 * `pivotIndex` the bar of the extreme, `direction` +1 for a swing high and -1 for a swing low.
 * At most one swing per bar, so the confirming bars are strictly ascending.
 */
export function confirmedSwings({ high, low, close }, thresholdPercent) {
  const fraction = thresholdPercent / 100;
  const belowHigh = 1 - fraction; // a swing high is confirmed by close <= high * belowHigh
  const aboveLow = 1 + fraction; // a swing low is confirmed by close >= low * aboveLow
  const swings = [];
  let mode = SEEKING;
  // The running extremes: the highest high (earliest bar on ties) and the lowest low.
  let hi = -Infinity;
  let hiIndex = -1;
  let lo = Infinity;
  let loIndex = -1;
  for (let i = 0; i < close.length; i++) {
    // The bar's own extremes count before its close is tested: its close comes after them.
    // The first bar read only seeds both candidates (README.md, "Seeding").
    if (mode !== DOWN && high[i] > hi) {
      hi = high[i];
      hiIndex = i;
    }
    if (mode !== UP && low[i] < lo) {
      lo = low[i];
      loIndex = i;
    }
    if (i === 0) continue;
    const highConfirmed = mode !== DOWN && close[i] <= hi * belowHigh;
    const lowConfirmed = mode !== UP && close[i] >= lo * aboveLow;
    // Both only while seeking: the earlier extreme is the first pivot (the high on a tie); the
    // other is then a candidate like any extreme after a pivot, confirmed on a later bar.
    if (highConfirmed && (!lowConfirmed || hiIndex <= loIndex)) {
      swings.push({ index: i, pivotIndex: hiIndex, price: hi, direction: 1 });
      mode = DOWN;
      [lo, loIndex] = lowest(low, hiIndex + 1, i);
    } else if (lowConfirmed) {
      swings.push({ index: i, pivotIndex: loIndex, price: lo, direction: -1 });
      mode = UP;
      [hi, hiIndex] = highest(high, loIndex + 1, i);
    }
  }
  return swings;
}

/** The lowest of `values[from..=to]` and its first index; `[Infinity, -1]` when empty. */
function lowest(values, from, to) {
  let best = Infinity;
  let at = -1;
  for (let i = from; i <= to; i++) {
    if (values[i] < best) {
      best = values[i];
      at = i;
    }
  }
  return [best, at];
}

/** The highest of `values[from..=to]` and its first index; `[-Infinity, -1]` when empty. */
function highest(values, from, to) {
  let best = -Infinity;
  let at = -1;
  for (let i = from; i <= to; i++) {
    if (values[i] > best) {
      best = values[i];
      at = i;
    }
  }
  return [best, at];
}

// ---- The component's exports ----

/** The value columns the zig-zag reads: the host serves these and no others. */
const FIELDS = { high: true, low: true, close: true };

/** The plan has one input, the unit's own series; the unit carries it, scoped, at this index. */
const OWN_SERIES = 0;

/** The smallest s64: a `warmUpFrom` of everything stored. */
const MIN_S64 = -(2n ** 63n);

export function describe() {
  return {
    name: NAME,
    version: VERSION,
    description: 'zig-zag swing highs and lows, one row on the bar that confirms each',
    params: [
      { name: THRESHOLD.name, default: { tag: 'float', val: THRESHOLD.default }, description: THRESHOLD.description },
      { name: WARM_UP.name, default: { tag: 'int', val: WARM_UP.default }, description: WARM_UP.description },
    ],
    outputs: OUTPUTS,
  };
}

export function plan(params) {
  const { warmUpBars } = paramsOf(params);
  // The unit's own series (timeframe none: the unit's). The zig-zag depends on where it starts
  // whatever the warm-up, so the warm-up is the job's choice: none by default, seeded at the
  // window's start.
  return { inputs: [{ timeframe: undefined, symbols: { tag: 'unit-symbol' }, fields: FIELDS, warmUpBars }] };
}

export function sample(unit) {
  const { threshold } = paramsOf(unit.params);
  const bars = readOwnBars(unit);
  const { start, end } = unit.window;
  const ts = [];
  const price = [];
  const direction = [];
  const barsSince = [];
  for (const swing of confirmedSwings(bars, threshold)) {
    const at = bars.ts[swing.index];
    // Warm-up bars feed the zig-zag; only confirmations inside the window are reported.
    if (at < start || at > end) continue;
    ts.push(at);
    price.push(swing.price);
    direction.push(BigInt(swing.direction));
    barsSince.push(BigInt(swing.index - swing.pivotIndex));
  }
  return {
    ts,
    columns: [
      { name: OUTPUTS[0], values: { tag: 'float', val: price } },
      { name: OUTPUTS[1], values: { tag: 'int', val: direction } },
      { name: OUTPUTS[2], values: { tag: 'int', val: barsSince } },
    ],
  };
}

/** The parsed WIT parameters; a bad one is thrown as the plugin's `invalid-params` error. */
function paramsOf(params) {
  try {
    return parseParams(params.map((p) => [p.name, p.value.tag, p.value.val]));
  } catch (err) {
    if (err instanceof InvalidParams) throw { tag: 'invalid-params', val: err.message };
    throw err;
  }
}

/**
 * The unit's bars (ts, high, low, close) from its input's `warmUpFrom` (`warm_up_bars` before
 * the window, or the series' first bar) to the window's end, streamed.
 */
function readOwnBars(unit) {
  const own = unit.inputs[OWN_SERIES];
  const batches = [];
  try {
    const span = { start: readableStart(unit.symbol, own), end: unit.window.end };
    const cursor = openRange(unit.symbol, own.timeframe, span, FIELDS, BATCH_ROWS);
    for (let batch = cursor.nextBatch(); batch !== undefined; batch = cursor.nextBatch()) {
      const n = batch.ts.length;
      if (batch.high.length !== n || batch.low.length !== n || batch.close.length !== n) {
        // The host broke the contract (one value per bar in each asked-for column).
        throw {
          tag: 'failed',
          val:
            `reader returned a batch of ${n} timestamps with ${batch.high.length} high, ` +
            `${batch.low.length} low and ${batch.close.length} close values (expected ${n} of each)`,
        };
      }
      batches.push(batch);
    }
  } catch (err) {
    // A reader error: its variant is passed on for the host to report.
    if (err && err.payload !== undefined) throw { tag: 'read', val: err.payload };
    throw err;
  }
  return {
    ts: concat(batches, 'ts', BigInt64Array),
    high: concat(batches, 'high', Float64Array),
    low: concat(batches, 'low', Float64Array),
    close: concat(batches, 'close', Float64Array),
  };
}

/**
 * Where to start reading `input` of `symbol`: its `warmUpFrom`, or, when that is the smallest s64
 * (the host's "everything stored", for a series with fewer bars before the window than the
 * warm-up), the series' first bar. componentize-js 0.23.0 aborts the component when it passes
 * a BigInt that close to -2^63 to an import ("Internal bindgen error in coreabi_from_bigint64
 * validation"), so that value never goes back to the host.
 */
function readableStart(symbol, input) {
  if (input.warmUpFrom !== MIN_S64) return input.warmUpFrom;
  return availability(symbol, input.timeframe).earliest ?? input.warmUpFrom;
}

/** One typed array of column `key` across the batches. */
function concat(batches, key, Type) {
  const out = new Type(batches.reduce((n, b) => n + b[key].length, 0));
  let at = 0;
  for (const batch of batches) {
    out.set(batch[key], at);
    at += batch[key].length;
  }
  return out;
}
