// `jserrors`: a sampler that fails the ways a JavaScript plugin can, one per `case`, for
// host/tests/guest_errors.rs. The host must show each failure in the plugin's own words.
//
// - `throw`: an error nobody catches (a `TypeError`);
// - `failed`: `throw { tag: 'failed', val }`, the plugin's own error;
// - `number`: a timestamp that is a Number where an s64 (a BigInt) belongs;
// - `plan`: `plan` refuses the parameters (`throw { tag: 'invalid-params', val }`), so no unit runs.
//
// Contract 0.2 (`wit/`): `describe` without a warm-up, `plan` declaring the unit's own close.

export function describe() {
  return {
    name: 'jserrors',
    version: '0.1.0',
    description: 'fails the ways a JavaScript plugin can',
    params: [{ name: 'case', default: { tag: 'text', val: 'throw' }, description: 'throw, failed, number or plan' }],
    outputs: ['x'],
  };
}

export function plan(params) {
  if (params[0].value.val === 'plan') {
    throw { tag: 'invalid-params', val: 'parameter "case" is "plan": refused in plan' };
  }
  return { inputs: [{ timeframe: undefined, symbols: { tag: 'unit-symbol' }, fields: { close: true }, warmUpBars: 0 }] };
}

function check(symbol) {
  throw new TypeError(`no good on ${symbol}`);
}

export function sample(unit) {
  const kase = unit.params[0].value.val;
  if (kase === 'failed') throw { tag: 'failed', val: `the plugin's own error on ${unit.symbol}` };
  if (kase === 'number') {
    return { ts: [Number(unit.window.start)], columns: [{ name: 'x', values: { tag: 'float', val: [1] } }] };
  }
  return check(unit.symbol);
}
