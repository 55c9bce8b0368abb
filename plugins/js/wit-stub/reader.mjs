// A stand-in for the host's reader import (`candlewick:market-data/reader@0.1.0`) in native
// tests: it serves the bars given to `serve`, as the host does (inclusive range, only the asked
// fields, batches of at most `batchRows`, s64 as BigInt64Array), and passes a reader error on as
// jco-generated bindings do (a thrown error whose `payload` is the error variant).

let served = { ts: [], open: [], high: [], low: [], close: [], volume: [] };
let failure;

/** Bars for the next reads, as plain arrays (ts as BigInts or numbers), or `{ error }`. */
export function serve(bars) {
  failure = bars.error;
  if (!failure) served = bars;
}

/** Every read since the last `serve`: `{ range, fields, batchRows }`. */
export const reads = [];

class ComponentError extends Error {
  constructor(payload) {
    super('reader error (see error.payload)');
    this.payload = payload;
  }
}

export function openRange(symbol, timeframe, range, fields, batchRows) {
  reads.push({ symbol, timeframe, range, fields, batchRows });
  if (failure) throw new ComponentError(failure);
  const rows = served.ts.map((t, i) => [BigInt(t), i]).filter(([t]) => range.start <= t && t <= range.end);
  let at = 0;
  return {
    nextBatch() {
      if (at >= rows.length) return undefined;
      const batch = rows.slice(at, at + batchRows);
      at += batch.length;
      const column = (name, Type) =>
        Type.from(fields[name] ? batch.map(([, i]) => served[name][i]) : [], (v) => (Type === BigInt64Array ? BigInt(v) : v));
      return {
        ts: BigInt64Array.from(batch.map(([t]) => t)),
        open: column('open', Float64Array),
        high: column('high', Float64Array),
        low: column('low', Float64Array),
        close: column('close', Float64Array),
        volume: column('volume', BigInt64Array),
      };
    },
  };
}
