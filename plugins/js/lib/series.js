// Columns that read like pandas, computed by the host's native kernels.
//
// A loop over bars in a JavaScript component runs in an interpreter (componentize-js embeds
// SpiderMonkey without its JIT), and no numeric library is there. The host therefore offers
// vectorised kernels over whole columns (wit/kernels.wit, the `kernels` import of contract 0.2:
// rolling windows, EMA, RSI, MACD, ATR, Bollinger Bands, z-score, returns, ...), computed natively
// with TA-Lib's conventions. This module wraps them:
//
//   import { Series, atr } from './series.js';
//
//   const close = new Series(batchClose);           // a Float64Array (or array), one value a bar
//   const sma = close.rollingMean(20);              // or close.rolling(20).mean()
//   const vol = close.logReturn().rollingStd(20);   // sample std (ddof 1), as pandas
//   const rsi = close.rsi(14);
//   const [macd, signal, hist] = close.macd(12, 26, 9);
//   const [upper, middle, lower] = close.bollinger(20, 2);
//   const width = upper.sub(lower).div(middle);     // element by element (no operator overloading)
//   const rows = width.slice(first).values;         // the window's rows, a Float64Array
//
// Shapes: a Series holds `values`, a Float64Array, one value per bar, oldest first; every method
// returns a Series of the same length whose value at index i belongs to bar i.
//
// Warm-up: a value that does not exist yet is NaN: a window of `period` bars is NaN over the first
// period − 1 bars, RSI and ATR over the first `period`, MACD over slow − 1 + signal − 1, a return
// or difference over the first `periods` (TA-Lib's look-backs). Read that many bars before the
// window (the plan's `warmUpBars`). A NaN inside a column splits it: windows and recursive
// indicators start afresh after it (so `logReturn().rollingStd(20)` is first defined at bar 20).
//
// Differences from pandas, all TA-Lib's conventions: `ewm(span).mean()` and `ema(period)` seed
// with the mean of the first `span` values and are NaN before; `rollingStd` and `rollingVar` take
// ddof 1 (sample, pandas' default) or 0 (population, TA-Lib's STDDEV); `bollinger` uses the
// population deviation; `pctChange` is 0 where the earlier value is 0 (TA-Lib's ROCP).
//
// Cost: each kernel call copies the column to the host and back (8 bytes a value, counted against
// the unit's memory); the kernel runs natively. `add`, `sub`, `mul`, `div`, `neg`, `abs` run in
// the component, one step a bar.
//
// Errors: an argument out of range (a period of 0, columns of different lengths) throws a
// KernelError with the host's message, such as `rsi: period 1 is out of range 2..=100000`; so does
// a call whose columns would pass the unit's memory limit. Catch it in `build` and throw
// `{ tag: 'failed', val: err.message }`, or check parameters in `plan` first.
//
// Outside a component, plugins/js/wit-stub answers the kernels import in plain JavaScript, so the
// plugin's tests run under node.

import * as kernels from 'candlewick:market-data/kernels@0.2.0';

/** A kernel refused its arguments (or the unit's memory limit); the message says why. */
export class KernelError extends Error {}

function call(kernel, ...args) {
  try {
    return kernel(...args);
  } catch (err) {
    const payload = err && err.payload;
    if (payload && payload.tag === 'invalid-argument') throw new KernelError(payload.val);
    if (payload && payload.tag === 'too-large') {
      throw new KernelError(`columns too large for a kernel call: ${payload.val.what} limit ${payload.val.limit}`);
    }
    throw err;
  }
}

function deviation(ddof) {
  if (ddof === 0) return 'population';
  if (ddof === 1) return 'sample';
  throw new KernelError(`ddof ${ddof} is not supported (expected 0, population, or 1, sample)`);
}

/** A column as the kernels take it: a Series' values, a Float64Array as it is, else a copy. */
function valuesOf(s) {
  if (s instanceof Series) return s.values;
  return s instanceof Float64Array ? s : Float64Array.from(s, Number);
}

export class Series {
  /** `values`: a Float64Array, taken as it is, or any array-like of numbers, copied. */
  constructor(values) {
    this.values = values instanceof Float64Array ? values : Float64Array.from(values, Number);
  }

  get length() {
    return this.values.length;
  }

  /** The value at index i (negative from the end). */
  at(i) {
    return this.values.at(i);
  }

  /** Bars [start, end) as a Series (a view: no copy). */
  slice(start, end) {
    return new Series(this.values.subarray(start, end));
  }

  toArray() {
    return Array.from(this.values);
  }

  // ---- Windows of the last `period` values, this one included: NaN over the first period − 1.

  /** The windows of `period` bars, pandas style: `s.rolling(20).mean()`. */
  rolling(period) {
    return new Rolling(this, period);
  }

  /** Sum of the window (TA-Lib SUM). period 1..=100000. */
  rollingSum(period) {
    return new Series(call(kernels.rollingSum, this.values, period));
  }

  /** Simple moving average (TA-Lib SMA). period 1..=100000. */
  rollingMean(period) {
    return new Series(call(kernels.rollingMean, this.values, period));
  }

  /** Variance of the window: ddof 1 sample (pandas' default), 0 population (TA-Lib VAR). */
  rollingVar(period, ddof = 1) {
    return new Series(call(kernels.rollingVar, this.values, period, deviation(ddof)));
  }

  /** Standard deviation of the window; ddof 0 is TA-Lib's STDDEV. */
  rollingStd(period, ddof = 1) {
    return new Series(call(kernels.rollingStd, this.values, period, deviation(ddof)));
  }

  /** Lowest value of the window (TA-Lib MIN). period 2..=100000. */
  rollingMin(period) {
    return new Series(call(kernels.rollingMin, this.values, period));
  }

  /** Highest value of the window (TA-Lib MAX). period 2..=100000. */
  rollingMax(period) {
    return new Series(call(kernels.rollingMax, this.values, period));
  }

  /** Index (into this series) of the window's lowest value, the newest of equal ones (TA-Lib MININDEX). */
  rollingArgmin(period) {
    return new Series(call(kernels.rollingArgmin, this.values, period));
  }

  /** Index of the window's highest value, the newest of equal ones (TA-Lib MAXINDEX). */
  rollingArgmax(period) {
    return new Series(call(kernels.rollingArgmax, this.values, period));
  }

  /** Rank within the window: 1 lowest .. period highest, ties averaged (pandas' rolling rank). */
  rollingRank(period) {
    return new Series(call(kernels.rollingRank, this.values, period));
  }

  /** (x − mean) / std of the window; NaN where the window is flat. ddof as rollingStd. */
  zscore(period, ddof = 1) {
    return new Series(call(kernels.zscore, this.values, period, deviation(ddof)));
  }

  // ---- Smoothing and indicators.

  /** Exponential weighting, pandas style: `s.ewm(20).mean()` is `s.ema(20)`. */
  ewm(span) {
    return { mean: () => this.ema(span) };
  }

  /** EMA, k = 2 / (period + 1), seeded with the mean of the first `period` values (TA-Lib EMA). */
  ema(period) {
    return new Series(call(kernels.ema, this.values, period));
  }

  /** Wilder's smoothing, s = (s (period − 1) + x) / period, seeded with the first period's mean. */
  wilder(period) {
    return new Series(call(kernels.wilder, this.values, period));
  }

  /** Wilder's RSI, 0..100 (TA-Lib RSI): NaN over the first `period` bars; 0 on a flat start (C TA-Lib). */
  rsi(period = 14) {
    return new Series(call(kernels.rsi, this.values, period));
  }

  /** [macd, signal, hist] (TA-Lib MACD): NaN over the first slow − 1 + signal − 1 bars. */
  macd(fast = 12, slow = 26, signal = 9) {
    const lines = call(kernels.macd, this.values, fast, slow, signal);
    return [new Series(lines.macd), new Series(lines.signal), new Series(lines.hist)];
  }

  /** [upper, middle, lower] (TA-Lib BBANDS over an SMA): middle ± k population deviations. */
  bollinger(period = 20, k = 2, kDown = k) {
    const bands = call(kernels.bollinger, this.values, period, k, kDown);
    return [new Series(bands.upper), new Series(bands.middle), new Series(bands.lower)];
  }

  // ---- Against the value `periods` bars earlier: NaN over the first `periods` bars.

  /** ln(x[t] / x[t − periods]); NaN unless both are > 0. */
  logReturn(periods = 1) {
    return new Series(call(kernels.logReturn, this.values, periods));
  }

  /** (x[t] − x[t − periods]) / x[t − periods]; 0 where the earlier value is 0 (TA-Lib ROCP). */
  pctChange(periods = 1) {
    return new Series(call(kernels.pctChange, this.values, periods));
  }

  /** x[t] − x[t − periods] (TA-Lib MOM). */
  diff(periods = 1) {
    return new Series(call(kernels.diff, this.values, periods));
  }

  /** x[t − periods]: only the past (periods >= 0); a later bar's value would be look-ahead. */
  shift(periods = 1) {
    return new Series(call(kernels.shift, this.values, periods));
  }

  /** Running sum; a NaN is skipped (NaN at its bar), as pandas' cumsum. */
  cumsum() {
    return new Series(call(kernels.cumulativeSum, this.values));
  }

  // ---- Element by element, in the component.

  zip(other, op) {
    const x = this.values;
    if (typeof other === 'number') return new Series(x.map((v) => op(v, other)));
    const y = valuesOf(other);
    if (y.length !== x.length) throw new KernelError(`series of different lengths: ${x.length} and ${y.length}`);
    return new Series(x.map((v, i) => op(v, y[i])));
  }

  add(other) {
    return this.zip(other, (a, b) => a + b);
  }

  sub(other) {
    return this.zip(other, (a, b) => a - b);
  }

  mul(other) {
    return this.zip(other, (a, b) => a * b);
  }

  div(other) {
    return this.zip(other, (a, b) => a / b);
  }

  neg() {
    return new Series(this.values.map((v) => -v));
  }

  abs() {
    return new Series(this.values.map(Math.abs));
  }

  /** NaN replaced by `value`. */
  fillna(value) {
    return new Series(this.values.map((v) => (Number.isNaN(v) ? value : v)));
  }
}

/** `series.rolling(period)`: the windows of `period` bars, this one included. */
export class Rolling {
  constructor(series, period) {
    this.series = series;
    this.period = period;
  }

  sum() {
    return this.series.rollingSum(this.period);
  }

  mean() {
    return this.series.rollingMean(this.period);
  }

  var(ddof = 1) {
    return this.series.rollingVar(this.period, ddof);
  }

  std(ddof = 1) {
    return this.series.rollingStd(this.period, ddof);
  }

  min() {
    return this.series.rollingMin(this.period);
  }

  max() {
    return this.series.rollingMax(this.period);
  }

  argmin() {
    return this.series.rollingArgmin(this.period);
  }

  argmax() {
    return this.series.rollingArgmax(this.period);
  }

  rank() {
    return this.series.rollingRank(this.period);
  }

  zscore(ddof = 1) {
    return this.series.zscore(this.period, ddof);
  }
}

/** max(high, previous close) − min(low, previous close) (TA-Lib TRANGE); NaN on the first bar. */
export function trueRange(high, low, close) {
  return new Series(call(kernels.trueRange, valuesOf(high), valuesOf(low), valuesOf(close)));
}

/** Average true range, Wilder's smoothing of the true range (TA-Lib ATR); NaN over `period` bars. */
export function atr(high, low, close, period = 14) {
  return new Series(call(kernels.atr, valuesOf(high), valuesOf(low), valuesOf(close), period));
}

/** The index of the first timestamp >= `start` in ascending `ts` (BigInts or numbers), ts.length
 * when none: the window's first row, so `column.slice(first)` is the window without a loop. */
export function firstAtOrAfter(ts, start) {
  let [lo, hi] = [0, ts.length];
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid] < start) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
