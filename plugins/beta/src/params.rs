//! The plugin's parameters, and the warm-up they need.

use guest_support::{ParamError, ParamSpec, ParamValue};

/// The longest rolling window accepted, in bars: both warm-ups stay far below the host's default
/// warm-up limit (100,000 bars).
pub const MAX_WINDOW_BARS: i64 = 10_000;

/// Validated parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// The reference symbol, as stored (`SPX`).
    pub reference: String,
    /// Returns in each rolling window, `2..=MAX_WINDOW_BARS`.
    pub window: usize,
}

impl Default for Params {
    fn default() -> Self {
        Params { reference: "SPX".to_owned(), window: 60 }
    }
}

/// The parameters `describe` reports, with their defaults.
pub fn param_specs() -> Vec<ParamSpec> {
    let defaults = Params::default();
    vec![
        ParamSpec {
            name: "reference",
            default: ParamValue::Text(defaults.reference),
            description: "the symbol to measure beta and correlation against, read at the unit's timeframe",
        },
        ParamSpec {
            name: "window",
            default: ParamValue::Int(defaults.window as i64),
            description: "log returns in each rolling window, in bars of the unit, 2..=10000",
        },
    ]
}

impl Params {
    /// The job's parameters, already checked against [`param_specs`]: an empty reference or a
    /// window out of range is an error naming it. Whether the reference is stored is the host's
    /// check of the plan.
    pub fn new(given: &guest_support::Params<'_>) -> Result<Params, ParamError> {
        let reference = given.text("reference");
        if reference.trim().is_empty() {
            return Err(ParamError::expected(
                "reference",
                "a symbol such as \"SPX\"",
                format!("{reference:?}"),
            ));
        }
        let window = given.int_in("window", 2..=MAX_WINDOW_BARS)?;
        // Within `usize` by the check above.
        Ok(Params { reference: reference.to_owned(), window: window as usize })
    }

    /// Bars of the unit's own series before the window's start: a window of `window` returns
    /// needs `window` bars before the first row (each return needs the bar before it). The
    /// statistics are not recursive, so with them a row's values do not depend on the start.
    pub fn own_warm_up_bars(&self) -> usize {
        self.window
    }

    /// Bars of the reference before the window's start: `2 × window + 1`, so that the earliest
    /// own bar read still finds the reference bar that closed by it while the reference holds up
    /// to twice as many bars as the unit over a span (a 7-day FX calendar against a 5-day equity
    /// one holds 1.4 times as many); a sparser unit than that can see NaN at the window's first
    /// rows where a longer history would give values.
    pub fn reference_warm_up_bars(&self) -> usize {
        2 * self.window + 1
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
    fn defaults_are_spx_over_60_bars() {
        assert_eq!(parse(&[]), Ok(Params { reference: "SPX".into(), window: 60 }));
        let params = parse(&[("reference", ParamValue::Text("NDX".into())), ("window", ParamValue::Int(2))]);
        assert_eq!(params, Ok(Params { reference: "NDX".into(), window: 2 }));
    }

    #[test]
    fn bad_values_are_refused_naming_the_parameter() {
        let err = parse(&[("reference", ParamValue::Text(" ".into()))]).unwrap_err().to_string();
        assert!(err.contains("reference") && err.contains("a symbol"), "{err}");
        for bad in [1, 0, MAX_WINDOW_BARS + 1] {
            let err = parse(&[("window", ParamValue::Int(bad))]).unwrap_err().to_string();
            assert!(err.contains("window") && err.contains("2..=10000"), "{err}");
        }
    }

    #[test]
    fn warm_ups_cover_the_first_window() {
        let params = Params::default();
        assert_eq!((params.own_warm_up_bars(), params.reference_warm_up_bars()), (60, 121));
    }
}
