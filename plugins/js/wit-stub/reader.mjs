// A stand-in for the host's reader import (`candlewick:market-data/reader@0.2.0`) in native tests.
// `serve(unit, series)` gives it a unit of work and the stored bars; every call is then answered
// as the host answers it for that unit (wit/reader.wit), with the shapes jco gives a component:
//
//   - only the unit's `inputs` are served: a series (symbol and timeframe) no input declares, a
//     field it does not declare, a start before its `warmUpFrom` or an end after the unit's
//     `asOf` is `{ tag: 'out-of-scope', val }`, the message naming what was declared;
//   - ranges are inclusive (`start <= ts <= end`), only the asked-for fields have values, cursor
//     batches hold at most `batchRows` bars; timestamps and volumes are `BigInt64Array`s, prices
//     `Float64Array`s;
//   - `aligned` is the point-in-time as-of join: for each row (a bar of `rowSymbol` at the unit's
//     timeframe with open time in `range`), the last bar of the other series whose close time
//     (open + timeframe; a calendar month for `month1`, the open itself for `tick`) is at or
//     before the row's close, none before the first such bar;
//   - a reader error is thrown as jco's bindings throw it: an error whose `payload` is the
//     variant (`serve(unit, { error: { tag: 'unavailable' } })` makes every call fail so).
//
// `series` maps `'SYMBOL timeframe'` (`'EURUSD hour1'`, the WIT enum's kebab-case names) to bars
// as plain arrays `{ ts, open, high, low, close, volume }`, ascending, ts and volume as BigInts or
// numbers; a column a test does not need may be left out (it reads as NaN, volume as 0). `reads`
// lists every call since the last `serve`.

let unit = { timeframe: 'hour1', asOf: 0n, inputs: [] };
let stored = {};
let failure;

/** Every call since the last `serve`: `{ call, symbol, timeframe, range, fields, batchRows }`. */
export const reads = [];

/** The unit whose inputs scope the reads, and the stored bars by `'SYMBOL timeframe'`, or `{ error }`. */
export function serve(forUnit, series = {}) {
  unit = forUnit;
  failure = series.error;
  stored = failure ? {} : series;
  reads.length = 0;
}

class ComponentError extends Error {
  constructor(payload) {
    super('reader error (see error.payload)');
    this.payload = payload;
  }
}

const FIELDS = ['open', 'high', 'low', 'close', 'volume'];

/** Microseconds per bar of each fixed-length timeframe (wit/types.wit). */
const STEP = {
  tick: 0n,
  min1: 60_000_000n,
  min5: 300_000_000n,
  min15: 900_000_000n,
  min30: 1_800_000_000n,
  hour1: 3_600_000_000n,
  hour4: 14_400_000_000n,
  day1: 86_400_000_000n,
  week1: 604_800_000_000n,
};

/** A bar's close time: its open plus its timeframe, a calendar month for `month1`. */
export function closeOf(timeframe, open) {
  if (timeframe !== 'month1') return open + STEP[timeframe];
  const micros = open % 1000n;
  const at = new Date(Number(open / 1000n));
  at.setUTCMonth(at.getUTCMonth() + 1);
  return BigInt(at.getTime()) * 1000n + micros;
}

function outOfScope(message) {
  return new ComponentError({ tag: 'out-of-scope', val: message });
}

function fieldNames(fields) {
  return `[${FIELDS.filter((f) => fields[f]).join(' ')}]`;
}

function declared() {
  const list = unit.inputs.map(
    (i) => `${i.symbols.join(',')} ${i.timeframe} ${fieldNames(i.fields)} from ${i.warmUpFrom}`,
  );
  return `this unit's inputs: ${list.join('; ')}`;
}

/** What the inputs holding `symbol` at `timeframe` allow: `{ fields, from }`, or an out-of-scope error. */
function readable(symbol, timeframe) {
  const holding = unit.inputs.filter((i) => i.timeframe === timeframe && i.symbols.includes(symbol));
  if (holding.length === 0) throw outOfScope(`${symbol} ${timeframe} (${declared()})`);
  const fields = Object.fromEntries(FIELDS.map((f) => [f, holding.some((i) => Boolean(i.fields[f]))]));
  const from = holding.map((i) => BigInt(i.warmUpFrom)).reduce((a, b) => (a < b ? a : b));
  return { fields, from };
}

function checkFields(symbol, timeframe, allowed, fields) {
  const undeclared = FIELDS.filter((f) => fields[f] && !allowed.fields[f]);
  if (undeclared.length > 0) {
    throw outOfScope(
      `fields [${undeclared.join(' ')}] of ${symbol} ${timeframe} (declared: ${fieldNames(allowed.fields)})`,
    );
  }
}

/** Checks one range read like the host, and returns the stored bars' indices in `range`. */
function request(call, symbol, timeframe, range, fields, batchRows) {
  reads.push({ call, symbol, timeframe, range, fields, batchRows });
  if (failure) throw new ComponentError(failure);
  const allowed = readable(symbol, timeframe);
  checkFields(symbol, timeframe, allowed, fields);
  if (range.start < allowed.from) {
    throw outOfScope(`start ${range.start} is before the warm-up start ${allowed.from}`);
  }
  if (range.end > BigInt(unit.asOf)) throw outOfScope(`end ${range.end} is after the as-of time ${unit.asOf}`);
  return indicesIn(symbol, timeframe, range.start, range.end);
}

function series(symbol, timeframe) {
  return stored[`${symbol} ${timeframe}`] ?? { ts: [] };
}

function indicesIn(symbol, timeframe, start, end) {
  const bars = series(symbol, timeframe);
  const out = [];
  bars.ts.forEach((t, i) => {
    if (start <= BigInt(t) && BigInt(t) <= end) out.push(i);
  });
  return out;
}

/** The bars at `indices` as the reader returns them: `ts` always, the other columns if asked. */
function columns(symbol, timeframe, indices, fields) {
  const bars = series(symbol, timeframe);
  // A column the test left out reads as NaN, or volume 0.
  const column = (name, Type) =>
    Type.from(fields[name] ? indices.map((i) => bars[name]?.[i]) : [], (v) =>
      Type === BigInt64Array ? BigInt(v ?? 0) : (v ?? NaN),
    );
  return {
    ts: BigInt64Array.from(indices, (i) => BigInt(bars.ts[i])),
    open: column('open', Float64Array),
    high: column('high', Float64Array),
    low: column('low', Float64Array),
    close: column('close', Float64Array),
    volume: column('volume', BigInt64Array),
  };
}

export function range(symbol, timeframe, span, fields) {
  return columns(symbol, timeframe, request('range', symbol, timeframe, span, fields), fields);
}

export function multiRange(symbols, timeframe, span, fields) {
  const unique = [...new Set(symbols)].sort();
  const found = unique.map((s) => [s, request('multi-range', s, timeframe, span, fields)]);
  return found.map(([symbol, indices]) => ({ symbol, bars: columns(symbol, timeframe, indices, fields) }));
}

export function openRange(symbol, timeframe, span, fields, batchRows) {
  if (batchRows === 0) {
    throw new ComponentError({ tag: 'invalid-argument', val: 'batch-rows is 0 (expected at least 1)' });
  }
  const indices = request('open-range', symbol, timeframe, span, fields, batchRows);
  let at = 0;
  return {
    nextBatch() {
      if (failure) throw new ComponentError(failure);
      if (at >= indices.length) return undefined;
      const batch = indices.slice(at, at + batchRows);
      at += batch.length;
      return columns(symbol, timeframe, batch, fields);
    },
  };
}

/** The indices of `symbol`'s bars readable by the unit: from the warm-up start to as-of. */
function inScope(call, symbol, timeframe) {
  reads.push({ call, symbol, timeframe });
  if (failure) throw new ComponentError(failure);
  const { from } = readable(symbol, timeframe);
  return indicesIn(symbol, timeframe, from, BigInt(unit.asOf));
}

export function latest(symbols, timeframe) {
  const out = [];
  for (const symbol of [...new Set(symbols)].sort()) {
    const indices = inScope('latest', symbol, timeframe);
    if (indices.length === 0) continue;
    const bar = columns(symbol, timeframe, indices.slice(-1), Object.fromEntries(FIELDS.map((f) => [f, true])));
    const [ts, open, high, low, close, volume] = ['ts', ...FIELDS].map((name) => bar[name][0]);
    out.push({ symbol, ts, open, high, low, close, volume });
  }
  return out;
}

export function availability(symbol, timeframe) {
  const indices = inScope('availability', symbol, timeframe);
  const ts = series(symbol, timeframe).ts;
  return {
    count: BigInt(indices.length),
    earliest: indices.length ? BigInt(ts[indices[0]]) : undefined,
    latest: indices.length ? BigInt(ts[indices.at(-1)]) : undefined,
  };
}

const TIMEFRAMES = ['tick', 'min1', 'min5', 'min15', 'min30', 'hour1', 'hour4', 'day1', 'week1', 'month1'];

export function timeframes(symbol) {
  const declaredHere = unit.inputs.filter((i) => i.symbols.includes(symbol)).map((i) => i.timeframe);
  return TIMEFRAMES.filter((tf) => declaredHere.includes(tf) && availability(symbol, tf).count > 0n);
}

export function summary() {
  const entries = [];
  const pairs = new Set(unit.inputs.flatMap((i) => i.symbols.map((s) => `${s} ${i.timeframe}`)));
  for (const pair of [...pairs].sort()) {
    const [symbol, timeframe] = pair.split(' ');
    const found = availability(symbol, timeframe);
    if (found.count > 0n) entries.push({ symbol, timeframe, availability: found });
  }
  const order = (e) => TIMEFRAMES.indexOf(e.timeframe);
  return entries.sort((a, b) => (a.symbol === b.symbol ? order(a) - order(b) : a.symbol < b.symbol ? -1 : 1));
}

export function aligned(rowSymbol, symbol, timeframe, span, fields) {
  const rowBars = series(rowSymbol, unit.timeframe);
  const rows = request('aligned', rowSymbol, unit.timeframe, span, {}).map((i) => BigInt(rowBars.ts[i]));
  const allowed = readable(symbol, timeframe);
  checkFields(symbol, timeframe, allowed, fields);
  const other = series(symbol, timeframe);
  const asOf = BigInt(unit.asOf);
  // The other series from its warm-up start, no bar opened after as-of.
  const candidates = other.ts.map((t, i) => [BigInt(t), i]).filter(([t]) => allowed.from <= t && t <= asOf);
  const picks = rows.map((row) => {
    const rowClose = closeOf(unit.timeframe, row);
    let pick;
    for (const [t, i] of candidates) {
      if (closeOf(timeframe, t) <= rowClose) pick = i;
    }
    return pick;
  });
  const floats = (name) =>
    Float64Array.from(fields[name] ? picks : [], (i) => (i === undefined ? NaN : other[name][i]));
  return {
    ts: BigInt64Array.from(rows),
    sourceTs: picks.map((i) => (i === undefined ? undefined : BigInt(other.ts[i]))),
    open: floats('open'),
    high: floats('high'),
    low: floats('low'),
    close: floats('close'),
    volume: fields.volume ? picks.map((i) => (i === undefined ? undefined : BigInt(other.volume[i]))) : [],
  };
}
