// A plain-JavaScript implementation of the host's kernels import
// (`candlewick:market-data/kernels@0.2.0`, wit/kernels.wit) for native tests: hooks.mjs resolves
// that import here, so a plugin that composes kernels runs under `node --test` as it does in the
// host, with the shapes jco gives a component: columns in as arrays or Float64Arrays, out as
// Float64Arrays; periods as Numbers; `deviation` as 'population' or 'sample'; MACD as
// `{ macd, signal, hist }`, Bollinger as `{ upper, middle, lower }`; a refused argument throws an
// error whose `payload` is `{ tag: 'invalid-argument', val: message }`.
//
// Written from the WIT's documentation and TA-Lib's definitions, not from the host's code: slow
// and simple (every window summed afresh, O(n · period)), fine for test data. Conventions (the
// WIT's doc comment is the spec): every output has its input's length, NaN before the kernel's
// look-back; a NaN splits a column into runs, window and recursive kernels run on each run as if
// it were the whole column (for several columns a bar is NaN if any of them is); the element-wise
// kernels are NaN where an operand is; `cumulativeSum` skips a NaN.

const MAX_PERIOD = 100000;

class ComponentError extends Error {
  constructor(payload) {
    super('kernel error (see error.payload)');
    this.payload = payload;
  }
}

function invalid(message) {
  return new ComponentError({ tag: 'invalid-argument', val: message });
}

function check(kernel, name, value, low, high = MAX_PERIOD) {
  if (!(Number.isInteger(value) && value >= low && value <= high)) {
    throw invalid(`${kernel}: ${name} ${value} is out of range ${low}..=${high}`);
  }
}

function checkLengths(kernel, columns) {
  const lengths = Object.entries(columns).map(([name, values]) => [name, values.length]);
  if (new Set(lengths.map(([, n]) => n)).size > 1) {
    const described = lengths.map(([name, n]) => `${name} ${n}`).join(', ');
    throw invalid(`${kernel}: columns of different lengths (${described}); expected one length`);
  }
}

function checkDeviation(kernel, period, deviation) {
  if (deviation !== 'population' && deviation !== 'sample') {
    throw invalid(`${kernel}: deviation ${deviation} is not 'population' or 'sample'`);
  }
  check(kernel, 'period', period, deviation === 'sample' ? 2 : 1);
}

const nans = (n) => new Float64Array(n).fill(NaN);

/** [start, end) of each run of bars where no column is NaN. */
function runs(columns) {
  const n = columns[0].length;
  const found = [];
  let start = -1;
  for (let i = 0; i < n; i++) {
    const missing = columns.some((c) => Number.isNaN(c[i]));
    if (missing && start >= 0) {
      found.push([start, i]);
      start = -1;
    } else if (!missing && start < 0) {
      start = i;
    }
  }
  if (start >= 0) found.push([start, n]);
  return found;
}

/** `kernel(...runColumns, offset)` on each run; it returns `outputs` arrays as long as the run. */
function perRun(columns, kernel, outputs = 1) {
  const n = columns[0].length;
  const out = Array.from({ length: outputs }, () => nans(n));
  for (const [start, end] of runs(columns)) {
    let got = kernel(...columns.map((c) => Array.from(c.slice(start, end))), start);
    if (outputs === 1) got = [got];
    got.forEach((values, k) => out[k].set(values, start));
  }
  return outputs === 1 ? out[0] : out;
}

/** f(window, i) for each full window of `values`, NaN before. */
function windows(values, period, f) {
  return values.map((_, i) => (i + 1 >= period ? f(values.slice(i + 1 - period, i + 1), i) : NaN));
}

const sum = (w) => w.reduce((a, b) => a + b, 0);
const mean = (w) => sum(w) / w.length;

function variance(w, sample) {
  const m = mean(w);
  return sum(w.map((x) => (x - m) * (x - m))) / (sample ? w.length - 1 : w.length);
}

function newestIndexOf(w, value) {
  return w.lastIndexOf(value);
}

// ---- Windows.

export function rollingSum(values, period) {
  check('rolling-sum', 'period', period, 1);
  return perRun([values], (v) => windows(v, period, sum));
}

export function rollingMean(values, period) {
  check('rolling-mean', 'period', period, 1);
  return perRun([values], (v) => windows(v, period, mean));
}

export function rollingVar(values, period, deviation) {
  checkDeviation('rolling-var', period, deviation);
  return perRun([values], (v) => windows(v, period, (w) => variance(w, deviation === 'sample')));
}

export function rollingStd(values, period, deviation) {
  checkDeviation('rolling-std', period, deviation);
  return perRun([values], (v) => windows(v, period, (w) => Math.sqrt(variance(w, deviation === 'sample'))));
}

export function rollingMin(values, period) {
  check('rolling-min', 'period', period, 2);
  return perRun([values], (v) => windows(v, period, (w) => Math.min(...w)));
}

export function rollingMax(values, period) {
  check('rolling-max', 'period', period, 2);
  return perRun([values], (v) => windows(v, period, (w) => Math.max(...w)));
}

export function rollingArgmin(values, period) {
  check('rolling-argmin', 'period', period, 2);
  return perRun([values], (v, offset) =>
    windows(v, period, (w, i) => offset + i + 1 - period + newestIndexOf(w, Math.min(...w))),
  );
}

export function rollingArgmax(values, period) {
  check('rolling-argmax', 'period', period, 2);
  return perRun([values], (v, offset) =>
    windows(v, period, (w, i) => offset + i + 1 - period + newestIndexOf(w, Math.max(...w))),
  );
}

export function rollingRank(values, period) {
  check('rolling-rank', 'period', period, 2);
  return perRun([values], (v) =>
    windows(v, period, (w) => {
      const x = w[w.length - 1];
      const below = w.filter((y) => y < x).length;
      const equal = w.filter((y) => y === x).length;
      return below + (equal + 1) / 2;
    }),
  );
}

export function zscore(values, period, deviation) {
  checkDeviation('zscore', period, deviation);
  check('zscore', 'period', period, 2);
  return perRun([values], (v) =>
    windows(v, period, (w) => {
      const std = Math.sqrt(variance(w, deviation === 'sample'));
      return std > 0 ? (w[w.length - 1] - mean(w)) / std : NaN;
    }),
  );
}

// ---- Smoothing and indicators.

/** s = s + alpha (x − s), seeded at index period − 1 with the mean of the first `period` values. */
function smooth(values, period, step) {
  const out = Array(values.length).fill(NaN);
  if (values.length < period) return out;
  let s = mean(values.slice(0, period));
  out[period - 1] = s;
  for (let i = period; i < values.length; i++) {
    s = step(s, values[i]);
    out[i] = s;
  }
  return out;
}

const emaOf = (values, period) => smooth(values, period, (s, x) => s + (2 / (period + 1)) * (x - s));
const wilderOf = (values, period) => smooth(values, period, (s, x) => (s * (period - 1) + x) / period);

export function ema(values, period) {
  check('ema', 'period', period, 1);
  return perRun([values], (v) => emaOf(v, period));
}

export function wilder(values, period) {
  check('wilder', 'period', period, 1);
  return perRun([values], (v) => wilderOf(v, period));
}

export function rsi(values, period) {
  check('rsi', 'period', period, 2);
  return perRun([values], (v) => {
    const out = Array(v.length).fill(NaN);
    if (v.length <= period) return out;
    const changes = v.slice(1).map((x, i) => x - v[i]);
    const gain = wilderOf(changes.map((c) => Math.max(c, 0)), period);
    const loss = wilderOf(changes.map((c) => Math.max(-c, 0)), period);
    for (let i = period - 1; i < changes.length; i++) {
      const total = gain[i] + loss[i];
      // Neither a gain nor a loss (0/0): C TA-Lib's 0.
      out[i + 1] = total !== 0 ? (100 * gain[i]) / total : 0;
    }
    return out;
  });
}

export function macd(values, fast, slow, signal) {
  check('macd', 'fast', fast, 2);
  check('macd', 'slow', slow, 2);
  check('macd', 'signal', signal, 1);
  if (fast >= slow) throw invalid(`macd: fast ${fast} is not below slow ${slow}`);
  const [line, sig, hist] = perRun(
    [values],
    (v) => {
      const n = v.length;
      const out = [Array(n).fill(NaN), Array(n).fill(NaN), Array(n).fill(NaN)];
      const first = slow - 1 + signal - 1;
      if (n <= first) return out;
      // TA-Lib seeds both EMAs at the slow one's first bar: the fast one over the `fast` bars ending there.
      const slowEma = emaOf(v, slow);
      const fastEma = Array(slow - fast).fill(NaN).concat(emaOf(v.slice(slow - fast), fast));
      const macdLine = slowEma.slice(slow - 1).map((s, j) => fastEma[j + slow - 1] - s);
      const signalLine = signal === 1 ? macdLine : emaOf(macdLine, signal);
      for (let i = first; i < n; i++) {
        const j = i - (slow - 1);
        out[0][i] = macdLine[j];
        out[1][i] = signalLine[j];
        out[2][i] = macdLine[j] - signalLine[j];
      }
      return out;
    },
    3,
  );
  return { macd: line, signal: sig, hist };
}

function trueRangeOf(high, low, close) {
  return close.map((_, i) => (i === 0 ? NaN : Math.max(high[i], close[i - 1]) - Math.min(low[i], close[i - 1])));
}

export function trueRange(high, low, close) {
  checkLengths('true-range', { high, low, close });
  return perRun([high, low, close], (h, l, c) => trueRangeOf(h, l, c));
}

export function atr(high, low, close, period) {
  check('atr', 'period', period, 1);
  checkLengths('atr', { high, low, close });
  return perRun([high, low, close], (h, l, c) => {
    const ranges = trueRangeOf(h, l, c);
    return period === 1 ? ranges : [NaN].concat(wilderOf(ranges.slice(1), period));
  });
}

export function bollinger(values, period, deviationsUp, deviationsDown) {
  check('bollinger', 'period', period, 2);
  for (const [name, k] of [
    ['deviations-up', deviationsUp],
    ['deviations-down', deviationsDown],
  ]) {
    if (!Number.isFinite(k)) throw invalid(`bollinger: ${name} ${k} is not a finite number`);
  }
  const [upper, middle, lower] = perRun(
    [values],
    (v) => {
      const m = windows(v, period, mean);
      const s = windows(v, period, (w) => Math.sqrt(variance(w, false)));
      return [m.map((x, i) => x + deviationsUp * s[i]), m, m.map((x, i) => x - deviationsDown * s[i])];
    },
    3,
  );
  return { upper, middle, lower };
}

// ---- Element-wise against `lag` bars earlier.

function lagged(kernel, values, lag, low, f) {
  check(kernel, 'lag', lag, low);
  return Float64Array.from(values, (x, i) => (i >= lag ? f(x, values[i - lag]) : NaN));
}

export function logReturn(values, lag) {
  return lagged('log-return', values, lag, 1, (x, prev) => (x > 0 && prev > 0 ? Math.log(x / prev) : NaN));
}

export function pctChange(values, lag) {
  return lagged('pct-change', values, lag, 1, (x, prev) =>
    Number.isNaN(x) || Number.isNaN(prev) ? NaN : prev !== 0 ? (x - prev) / prev : 0,
  );
}

export function diff(values, lag) {
  return lagged('diff', values, lag, 1, (x, prev) => x - prev);
}

export function shift(values, lag) {
  return lagged('shift', values, lag, 0, (_, prev) => prev);
}

export function cumulativeSum(values) {
  let total = 0;
  return Float64Array.from(values, (x) => {
    if (Number.isNaN(x)) return NaN;
    total += x;
    return total;
  });
}
