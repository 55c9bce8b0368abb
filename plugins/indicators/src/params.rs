//! The plugin's parameters: their specs with defaults, and the checks beyond their types.
//!
//! `guest_support::Params` checks a job's parameters against [`param_specs`] (names, types,
//! defaults); [`Params::new`] takes them from there into the typed [`Params`] TA-Lib is called with,
//! checking the ranges. Every period is bounded by [`MAX_PERIOD_BARS`], and the lower bounds are
//! the ones TA-Lib itself enforces, so a job that passes never makes TA-Lib answer `BadParam`.

use guest_support::{ParamError, ParamSpec, ParamValue};

/// The longest period, in bars, any parameter accepts: TA-Lib's own upper bound for every period.
pub const MAX_PERIOD_BARS: i64 = 100_000;

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
pub fn param_specs() -> Vec<ParamSpec> {
    let mut defaults = Params::default();
    SPECS
        .iter()
        .map(|spec| ParamSpec {
            name: spec.name,
            default: match spec.slot {
                Slot::Period { field, .. } => ParamValue::Int(i64::from(*field(&mut defaults))),
                Slot::Stddev { field } => ParamValue::Float(*field(&mut defaults)),
            },
            description: spec.description,
        })
        .collect()
}

impl Params {
    /// The job's parameters, already checked against [`param_specs`]: a value out of its range,
    /// or `macd_fast` not below `macd_slow`, is an error naming the parameter.
    pub fn new(given: &guest_support::Params<'_>) -> Result<Params, ParamError> {
        let mut params = Params::default();
        for spec in &SPECS {
            match spec.slot {
                Slot::Period { min, field } => {
                    *field(&mut params) = period_in_range(spec.name, min, given.int(spec.name))?
                }
                Slot::Stddev { field } => {
                    *field(&mut params) = positive_stddev(spec.name, given.float(spec.name))?
                }
            }
        }
        if params.macd_fast >= params.macd_slow {
            return Err(ParamError::new(format!(
                "macd_fast {} must be below macd_slow {}",
                params.macd_fast, params.macd_slow
            )));
        }
        Ok(params)
    }
}

fn period_in_range(name: &str, min: i64, v: i64) -> Result<i32, ParamError> {
    if !(min..=MAX_PERIOD_BARS).contains(&v) {
        return Err(ParamError::new(format!(
            "parameter \"{name}\" is {v} (expected {min}..={MAX_PERIOD_BARS} bars)"
        )));
    }
    // Within `i32` by the check above.
    Ok(v as i32)
}

fn positive_stddev(name: &str, v: f64) -> Result<f64, ParamError> {
    if !(v.is_finite() && v > 0.0) {
        return Err(ParamError::new(format!(
            "parameter \"{name}\" is {v} (expected a finite number above 0)"
        )));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `given` checked as `build` checks a unit's parameters.
    fn parse(given: &[(&str, ParamValue)]) -> Result<Params, ParamError> {
        let specs = param_specs();
        let given = given.iter().map(|(name, value)| (name.to_string(), value.clone()));
        Params::new(&guest_support::Params::parse(&specs, given)?)
    }

    fn message(given: &[(&str, ParamValue)]) -> String {
        parse(given).expect_err("expected invalid params").to_string()
    }

    #[test]
    fn parse_empty_gives_defaults() {
        assert_eq!(parse(&[]), Ok(Params::default()));
    }

    #[test]
    fn parse_sets_each_given_value() {
        let params = parse(&[
            ("sma_period", ParamValue::Int(5)),
            ("macd_fast", ParamValue::Int(3)),
            ("macd_slow", ParamValue::Int(7)),
            ("bb_stddev", ParamValue::Float(1.5)),
            ("volatility_window", ParamValue::Int(2)),
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
        let msg = message(&[("sma_len", ParamValue::Int(5))]);
        assert!(msg.starts_with("unknown parameter \"sma_len\" (expected one of sma_period, "), "{msg}");
        assert!(msg.contains("bb_stddev"), "{msg}");
    }

    #[test]
    fn parse_rejects_float_for_period() {
        assert_eq!(
            message(&[("rsi_period", ParamValue::Float(14.0))]),
            "parameter \"rsi_period\" must be an int, got float 14"
        );
    }

    #[test]
    fn parse_takes_int_for_stddev_as_that_float() {
        // guest-support's rule, and the host's for job files: an int where a float is declared.
        assert_eq!(
            parse(&[("bb_stddev", ParamValue::Int(2))]),
            Ok(Params { bb_stddev: 2.0, ..Params::default() })
        );
    }

    #[test]
    fn parse_rejects_text_and_boolean() {
        assert_eq!(
            message(&[("atr_period", ParamValue::Text("14".into()))]),
            "parameter \"atr_period\" must be an int, got text \"14\""
        );
        assert_eq!(
            message(&[("bb_stddev", ParamValue::Boolean(true))]),
            "parameter \"bb_stddev\" must be a float, got boolean true"
        );
    }

    #[test]
    fn parse_rejects_period_below_minimum() {
        assert_eq!(
            message(&[("sma_period", ParamValue::Int(0))]),
            "parameter \"sma_period\" is 0 (expected 1..=100000 bars)"
        );
        assert_eq!(
            message(&[("rsi_period", ParamValue::Int(1))]),
            "parameter \"rsi_period\" is 1 (expected 2..=100000 bars)"
        );
        assert_eq!(
            message(&[("bb_period", ParamValue::Int(-3))]),
            "parameter \"bb_period\" is -3 (expected 2..=100000 bars)"
        );
    }

    #[test]
    fn parse_rejects_period_above_maximum() {
        assert_eq!(
            message(&[("ema_period", ParamValue::Int(i64::from(i32::MAX) + 1))]),
            "parameter \"ema_period\" is 2147483648 (expected 1..=100000 bars)"
        );
    }

    #[test]
    fn parse_rejects_fast_not_below_slow() {
        assert_eq!(message(&[("macd_fast", ParamValue::Int(26))]), "macd_fast 26 must be below macd_slow 26");
        assert_eq!(message(&[("macd_slow", ParamValue::Int(5))]), "macd_fast 12 must be below macd_slow 5");
    }

    #[test]
    fn parse_rejects_non_positive_or_non_finite_stddev() {
        for v in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let msg = message(&[("bb_stddev", ParamValue::Float(v))]);
            assert_eq!(msg, format!("parameter \"bb_stddev\" is {v} (expected a finite number above 0)"));
        }
    }

    #[test]
    fn parse_rejects_duplicate_name() {
        assert_eq!(
            message(&[("sma_period", ParamValue::Int(5)), ("sma_period", ParamValue::Int(6))]),
            "parameter \"sma_period\" is set twice (expected it at most once)"
        );
    }

    #[test]
    fn specs_list_every_parameter_with_its_default() {
        let specs = param_specs();
        let pairs: Vec<(&str, ParamValue)> = specs.iter().map(|s| (s.name, s.default.clone())).collect();
        assert_eq!(
            pairs,
            vec![
                ("sma_period", ParamValue::Int(20)),
                ("ema_period", ParamValue::Int(20)),
                ("rsi_period", ParamValue::Int(14)),
                ("macd_fast", ParamValue::Int(12)),
                ("macd_slow", ParamValue::Int(26)),
                ("macd_signal", ParamValue::Int(9)),
                ("atr_period", ParamValue::Int(14)),
                ("bb_period", ParamValue::Int(20)),
                ("bb_stddev", ParamValue::Float(2.0)),
                ("volatility_window", ParamValue::Int(20)),
            ]
        );
    }

    #[test]
    fn specs_defaults_parse_back_to_defaults() {
        let specs = param_specs();
        let given: Vec<(&str, ParamValue)> = specs.iter().map(|s| (s.name, s.default.clone())).collect();
        assert_eq!(parse(&given), Ok(Params::default()));
    }
}
