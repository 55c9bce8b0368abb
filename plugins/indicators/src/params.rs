//! The plugin's parameters: their specs with defaults, parsing from the job's name/value list, and
//! validation.
//!
//! Independent of the generated bindings so it can be unit-tested natively; `component.rs` converts
//! the WIT `param-value` into [`Value`]. Every period is bounded by [`MAX_PERIOD_BARS`], and the
//! lower bounds are the ones TA-Lib itself enforces, so a job that passes validation never makes
//! TA-Lib answer `BadParam`.

use std::fmt;

/// The longest period, in bars, any parameter accepts: TA-Lib's own upper bound for every period.
pub const MAX_PERIOD_BARS: i64 = 100_000;

/// A parameter value, as the job sets it (the WIT `param-value` without the bindings).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A whole number.
    Int(i64),
    /// A real number.
    Float(f64),
    /// Text.
    Text(String),
    /// A switch.
    Boolean(bool),
}

/// As messages show a value: its type, then the value (`float 14`).
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(v) => write!(f, "int {v}"),
            Value::Float(v) => write!(f, "float {v}"),
            Value::Text(v) => write!(f, "text {v:?}"),
            Value::Boolean(v) => write!(f, "boolean {v}"),
        }
    }
}

/// One parameter the plugin accepts, as `describe` reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamSpec {
    /// Its snake_case name.
    pub name: &'static str,
    /// Its default; the case is the parameter's type.
    pub default: Value,
    /// One line on what it does, with its unit.
    pub description: &'static str,
}

/// A parameter the job got wrong; the message names it and the expectation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidParams(pub String);

impl fmt::Display for InvalidParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InvalidParams {}

/// Validated parameters. Periods are `i32` because that is what TA-Lib takes; validation keeps them
/// within `1..=MAX_PERIOD_BARS`, so the conversion never truncates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    pub sma_period: i32,
    pub ema_period: i32,
    pub rsi_period: i32,
    pub macd_fast: i32,
    pub macd_slow: i32,
    pub macd_signal: i32,
    pub atr_period: i32,
    pub bb_period: i32,
    pub bb_stddev: f64,
    pub volatility_window: i32,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            sma_period: 20,
            ema_period: 20,
            rsi_period: 14,
            macd_fast: 12,
            macd_slow: 26,
            macd_signal: 9,
            atr_period: 14,
            bb_period: 20,
            bb_stddev: 2.0,
            volatility_window: 20,
        }
    }
}

/// Where a parameter's value lives in [`Params`], and what it accepts.
enum Slot {
    /// A whole number of bars, at least `min` and at most [`MAX_PERIOD_BARS`].
    Period { min: i64, field: fn(&mut Params) -> &mut i32 },
    /// A multiple of the standard deviation: finite and above 0.
    Stddev { field: fn(&mut Params) -> &mut f64 },
}

/// One accepted parameter: the single list behind both `describe` and parsing.
struct Spec {
    name: &'static str,
    description: &'static str,
    slot: Slot,
}

const fn period(
    name: &'static str,
    description: &'static str,
    min: i64,
    field: fn(&mut Params) -> &mut i32,
) -> Spec {
    Spec { name, description, slot: Slot::Period { min, field } }
}

/// Every parameter, in the order `describe` lists them. The minimums are TA-Lib's (RSI, the MACD
/// averages and Bollinger's deviation need two bars); the volatility window needs two returns for a
/// sample standard deviation.
const SPECS: [Spec; 10] = [
    period("sma_period", "SMA period, in bars", 1, |p| &mut p.sma_period),
    period("ema_period", "EMA period, in bars", 1, |p| &mut p.ema_period),
    period("rsi_period", "RSI (Wilder) period, in bars", 2, |p| &mut p.rsi_period),
    period("macd_fast", "MACD fast EMA period, in bars; below macd_slow", 2, |p| &mut p.macd_fast),
    period("macd_slow", "MACD slow EMA period, in bars", 2, |p| &mut p.macd_slow),
    period("macd_signal", "MACD signal EMA period, in bars", 1, |p| &mut p.macd_signal),
    period("atr_period", "ATR (Wilder) period, in bars", 1, |p| &mut p.atr_period),
    period("bb_period", "Bollinger Bands period, in bars", 2, |p| &mut p.bb_period),
    Spec {
        name: "bb_stddev",
        description: "Bollinger Bands half-width, in population standard deviations",
        slot: Slot::Stddev { field: |p| &mut p.bb_stddev },
    },
    period(
        "volatility_window",
        "window of the rolling sample standard deviation of log returns, in bars",
        2,
        |p| &mut p.volatility_window,
    ),
];

/// The parameters `describe` reports, with their defaults.
pub fn specs() -> Vec<ParamSpec> {
    let mut defaults = Params::default();
    SPECS
        .iter()
        .map(|spec| ParamSpec {
            name: spec.name,
            default: match spec.slot {
                Slot::Period { field, .. } => Value::Int(i64::from(*field(&mut defaults))),
                Slot::Stddev { field } => Value::Float(*field(&mut defaults)),
            },
            description: spec.description,
        })
        .collect()
}

impl Params {
    /// Parameters from the job's list, starting from the defaults: an unknown name, a name given
    /// twice, a value of the wrong type or out of range is an error naming the parameter.
    pub fn parse<'a>(given: impl IntoIterator<Item = (&'a str, &'a Value)>) -> Result<Params, InvalidParams> {
        let mut params = Params::default();
        // A list, not a hash set: std's `RandomState` would make the component import a WASI
        // random source, for at most ten names.
        let mut seen: Vec<&str> = Vec::with_capacity(SPECS.len());
        for (name, value) in given {
            let Some(spec) = SPECS.iter().find(|s| s.name == name) else {
                let known: Vec<&str> = SPECS.iter().map(|s| s.name).collect();
                return Err(InvalidParams(format!(
                    "unknown parameter \"{name}\" (expected one of {})",
                    known.join(", ")
                )));
            };
            if seen.contains(&name) {
                return Err(InvalidParams(format!("parameter \"{name}\" is given more than once")));
            }
            seen.push(name);
            match spec.slot {
                Slot::Period { min, field } => *field(&mut params) = parse_period(name, min, value)?,
                Slot::Stddev { field } => *field(&mut params) = parse_stddev(name, value)?,
            }
        }
        if params.macd_fast >= params.macd_slow {
            return Err(InvalidParams(format!(
                "macd_fast {} must be below macd_slow {}",
                params.macd_fast, params.macd_slow
            )));
        }
        Ok(params)
    }
}

fn parse_period(name: &str, min: i64, value: &Value) -> Result<i32, InvalidParams> {
    let Value::Int(v) = *value else {
        return Err(InvalidParams(format!("parameter \"{name}\" must be an int, got {value}")));
    };
    if !(min..=MAX_PERIOD_BARS).contains(&v) {
        return Err(InvalidParams(format!(
            "parameter \"{name}\" is {v} (expected {min}..={MAX_PERIOD_BARS} bars)"
        )));
    }
    // Within `i32` by the check above.
    Ok(v as i32)
}

fn parse_stddev(name: &str, value: &Value) -> Result<f64, InvalidParams> {
    let Value::Float(v) = *value else {
        return Err(InvalidParams(format!("parameter \"{name}\" must be a float, got {value}")));
    };
    if !(v.is_finite() && v > 0.0) {
        return Err(InvalidParams(format!("parameter \"{name}\" is {v} (expected a finite number above 0)")));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(given: &[(&str, Value)]) -> Result<Params, InvalidParams> {
        Params::parse(given.iter().map(|(n, v)| (*n, v)))
    }

    fn message(given: &[(&str, Value)]) -> String {
        parse(given).expect_err("expected invalid params").0
    }

    #[test]
    fn parse_empty_gives_defaults() {
        assert_eq!(parse(&[]), Ok(Params::default()));
    }

    #[test]
    fn parse_sets_each_given_value() {
        let params = parse(&[
            ("sma_period", Value::Int(5)),
            ("macd_fast", Value::Int(3)),
            ("macd_slow", Value::Int(7)),
            ("bb_stddev", Value::Float(1.5)),
            ("volatility_window", Value::Int(2)),
        ])
        .unwrap();
        assert_eq!(
            params,
            Params {
                sma_period: 5,
                macd_fast: 3,
                macd_slow: 7,
                bb_stddev: 1.5,
                volatility_window: 2,
                ..Params::default()
            }
        );
    }

    #[test]
    fn parse_rejects_unknown_name() {
        let msg = message(&[("sma_len", Value::Int(5))]);
        assert!(msg.starts_with("unknown parameter \"sma_len\" (expected one of sma_period, "), "{msg}");
        assert!(msg.contains("bb_stddev"), "{msg}");
    }

    #[test]
    fn parse_rejects_float_for_period() {
        assert_eq!(
            message(&[("rsi_period", Value::Float(14.0))]),
            "parameter \"rsi_period\" must be an int, got float 14"
        );
    }

    #[test]
    fn parse_rejects_int_for_stddev() {
        assert_eq!(
            message(&[("bb_stddev", Value::Int(2))]),
            "parameter \"bb_stddev\" must be a float, got int 2"
        );
    }

    #[test]
    fn parse_rejects_text_and_boolean() {
        assert_eq!(
            message(&[("atr_period", Value::Text("14".into()))]),
            "parameter \"atr_period\" must be an int, got text \"14\""
        );
        assert_eq!(
            message(&[("bb_stddev", Value::Boolean(true))]),
            "parameter \"bb_stddev\" must be a float, got boolean true"
        );
    }

    #[test]
    fn parse_rejects_period_below_minimum() {
        assert_eq!(
            message(&[("sma_period", Value::Int(0))]),
            "parameter \"sma_period\" is 0 (expected 1..=100000 bars)"
        );
        assert_eq!(
            message(&[("rsi_period", Value::Int(1))]),
            "parameter \"rsi_period\" is 1 (expected 2..=100000 bars)"
        );
        assert_eq!(
            message(&[("bb_period", Value::Int(-3))]),
            "parameter \"bb_period\" is -3 (expected 2..=100000 bars)"
        );
    }

    #[test]
    fn parse_rejects_period_above_maximum() {
        assert_eq!(
            message(&[("ema_period", Value::Int(i64::from(i32::MAX) + 1))]),
            "parameter \"ema_period\" is 2147483648 (expected 1..=100000 bars)"
        );
    }

    #[test]
    fn parse_rejects_fast_not_below_slow() {
        assert_eq!(message(&[("macd_fast", Value::Int(26))]), "macd_fast 26 must be below macd_slow 26");
        assert_eq!(message(&[("macd_slow", Value::Int(5))]), "macd_fast 12 must be below macd_slow 5");
    }

    #[test]
    fn parse_rejects_non_positive_or_non_finite_stddev() {
        for v in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let msg = message(&[("bb_stddev", Value::Float(v))]);
            assert_eq!(msg, format!("parameter \"bb_stddev\" is {v} (expected a finite number above 0)"));
        }
    }

    #[test]
    fn parse_rejects_duplicate_name() {
        assert_eq!(
            message(&[("sma_period", Value::Int(5)), ("sma_period", Value::Int(6))]),
            "parameter \"sma_period\" is given more than once"
        );
    }

    #[test]
    fn specs_list_every_parameter_with_its_default() {
        let specs = specs();
        let pairs: Vec<(&str, Value)> = specs.iter().map(|s| (s.name, s.default.clone())).collect();
        assert_eq!(
            pairs,
            vec![
                ("sma_period", Value::Int(20)),
                ("ema_period", Value::Int(20)),
                ("rsi_period", Value::Int(14)),
                ("macd_fast", Value::Int(12)),
                ("macd_slow", Value::Int(26)),
                ("macd_signal", Value::Int(9)),
                ("atr_period", Value::Int(14)),
                ("bb_period", Value::Int(20)),
                ("bb_stddev", Value::Float(2.0)),
                ("volatility_window", Value::Int(20)),
            ]
        );
    }

    #[test]
    fn specs_defaults_parse_back_to_defaults() {
        let specs = specs();
        let parsed = Params::parse(specs.iter().map(|s| (s.name, &s.default)));
        assert_eq!(parsed, Ok(Params::default()));
    }
}
