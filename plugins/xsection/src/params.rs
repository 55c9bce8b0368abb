//! The plugin's parameter, and the warm-up it needs.

use guest_support::{ParamError, ParamSpec, ParamValue};

/// The longest look-back accepted, in bars: the warm-up stays far below the host's default
/// warm-up limit (100,000 bars).
pub const MAX_LOOKBACK_BARS: i64 = 10_000;

/// Validated parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    /// Bars back of the momentum's base close, `1..=MAX_LOOKBACK_BARS`.
    pub lookback: usize,
}

impl Default for Params {
    fn default() -> Self {
        Params { lookback: 20 }
    }
}

/// The parameters `describe` reports, with their defaults.
pub fn param_specs() -> Vec<ParamSpec> {
    vec![ParamSpec {
        name: "lookback",
        default: ParamValue::Int(Params::default().lookback as i64),
        description: "momentum look-back, in bars of each symbol: close / close[t - lookback] - 1, 1..=10000",
    }]
}

impl Params {
    /// The job's parameters, already checked against [`param_specs`]; a look-back out of range is
    /// an error naming it.
    pub fn new(given: &guest_support::Params<'_>) -> Result<Params, ParamError> {
        let lookback = given.int_in("lookback", 1..=MAX_LOOKBACK_BARS)?;
        // Within `usize` by the check above.
        Ok(Params { lookback: lookback as usize })
    }

    /// Bars of each symbol before the window's start: the momentum at the first bar needs the
    /// close `lookback` bars back. Not recursive, so a row's values do not depend on the start.
    pub fn warm_up_bars(&self) -> usize {
        self.lookback
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(given: &[(&str, ParamValue)]) -> Result<Params, ParamError> {
        let specs = param_specs();
        let given = given.iter().map(|(name, value)| (name.to_string(), value.clone()));
        Params::new(&guest_support::Params::parse(&specs, given)?)
    }

    #[test]
    fn default_is_20_bars_and_bad_values_are_refused_naming_it() {
        assert_eq!(parse(&[]), Ok(Params { lookback: 20 }));
        assert_eq!(parse(&[]).unwrap().warm_up_bars(), 20);
        assert_eq!(parse(&[("lookback", ParamValue::Int(1))]), Ok(Params { lookback: 1 }));
        for bad in [0, -1, MAX_LOOKBACK_BARS + 1] {
            let err = parse(&[("lookback", ParamValue::Int(bad))]).unwrap_err().to_string();
            assert!(err.contains("lookback") && err.contains("1..=10000"), "{err}");
        }
    }
}
