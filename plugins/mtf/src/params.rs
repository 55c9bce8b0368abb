//! The plugin's parameters, and the warm-up they need.

use guest_support::{ParamError, ParamSpec, ParamValue};

/// The longest RSI period accepted, in daily bars: its warm-up ([`daily_warm_up_bars`]) stays
/// far below the host's default warm-up limit (100,000 bars).
pub const MAX_RSI_PERIOD: i64 = 1_000;

/// The weight the RSI's seed may keep in a value after the warm-up: `(1 − 1/period)^k` decays
/// below it after `k` further bars. 1e-12 keeps a value within 1e-9 relative of a run over the
/// whole history (the start-invariance rule of the README), with a margin of 1,000.
pub const SEED_WEIGHT: f64 = 1e-12;

/// Validated parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    /// RSI period, in daily bars, `2..=MAX_RSI_PERIOD` (TA-Lib needs two).
    pub rsi_period: i32,
}

impl Default for Params {
    fn default() -> Self {
        Params { rsi_period: 14 }
    }
}

/// The parameters `describe` reports, with their defaults.
pub fn param_specs() -> Vec<ParamSpec> {
    vec![ParamSpec {
        name: "rsi_period",
        default: ParamValue::Int(i64::from(Params::default().rsi_period)),
        description: "period of the daily RSI (Wilder), in daily bars, 2..=1000",
    }]
}

impl Params {
    /// The job's parameters, already checked against [`param_specs`]; a period out of range is
    /// an error naming it.
    pub fn new(given: &guest_support::Params<'_>) -> Result<Params, ParamError> {
        let period = given.int_in("rsi_period", 2..=MAX_RSI_PERIOD)?;
        // Within `i32` by the check above.
        Ok(Params { rsi_period: period as i32 })
    }
}

/// Daily bars read before the window's start: the RSI's look-back (`period` bars: TA-Lib's first
/// value is at index `period`), the bars after which the seed's weight is below [`SEED_WEIGHT`]
/// (TA-Lib's "unstable period" idea: `ceil(ln SEED_WEIGHT / ln(1 − 1/period))`), and one more for
/// the day that is still open at the window's start (the warm-up is counted in stored bars before
/// the start, and that day's bar opens before it). 388 for the default period of 14.
pub fn daily_warm_up_bars(params: &Params) -> usize {
    let period = f64::from(params.rsi_period);
    let unstable = (SEED_WEIGHT.ln() / (1.0 - 1.0 / period).ln()).ceil();
    // At most ~27.6 × MAX_RSI_PERIOD: far inside `usize`.
    params.rsi_period as usize + unstable as usize + 1
}

/// Weekly bars read before the window's start: the prior completed week, and the week still open
/// at the start.
pub const WEEKLY_WARM_UP_BARS: usize = 2;

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(given: &[(&str, ParamValue)]) -> Result<Params, ParamError> {
        let specs = param_specs();
        let given = given.iter().map(|(name, value)| (name.to_string(), value.clone()));
        Params::new(&guest_support::Params::parse(&specs, given)?)
    }

    #[test]
    fn defaults_are_rsi_14() {
        assert_eq!(parse(&[]), Ok(Params { rsi_period: 14 }));
        assert_eq!(parse(&[("rsi_period", ParamValue::Int(2))]), Ok(Params { rsi_period: 2 }));
    }

    #[test]
    fn a_period_out_of_range_is_refused_naming_it() {
        for bad in [1, 0, -3, MAX_RSI_PERIOD + 1] {
            let err = parse(&[("rsi_period", ParamValue::Int(bad))]).unwrap_err().to_string();
            assert!(
                err.contains("rsi_period") && err.contains("2..=1000") && err.contains(&bad.to_string()),
                "{err}"
            );
        }
    }

    #[test]
    fn the_daily_warm_up_lets_the_seed_decay_below_its_bound() {
        // ln(1e-12) / ln(13/14) = 372.8…: 373 bars after the 14 of the look-back, and the open day.
        assert_eq!(daily_warm_up_bars(&Params::default()), 14 + 373 + 1);
        for period in [2, 14, 50, MAX_RSI_PERIOD as i32] {
            let params = Params { rsi_period: period };
            let unstable = daily_warm_up_bars(&params) - period as usize - 1;
            let decay = 1.0 - 1.0 / f64::from(period);
            assert!(decay.powi(unstable as i32) <= SEED_WEIGHT, "period {period}");
            assert!(decay.powi(unstable as i32 - 1) > SEED_WEIGHT, "period {period}: not the least");
        }
        assert!(daily_warm_up_bars(&Params { rsi_period: MAX_RSI_PERIOD as i32 }) < 100_000);
    }
}
