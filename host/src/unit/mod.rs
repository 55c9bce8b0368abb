//! The unit of work: one plugin over one symbol's window, and the rules that make it. The batch
//! job (`job/`) and the fixture host (`fixture_host/`) are siblings that both build their units
//! here, so a plugin sees the same unit in a test as in a job, and each rule has one message.
//!
//! - this module: the as-of rule, the warm-up start, and a plan's inputs checked and scoped;
//! - `params.rs`: a job's parameters checked against what the plugin declares, and as JSON.

mod params;

use std::num::NonZeroUsize;

use thiserror::Error;

use crate::domain::{
    CrossSectionUnit, Input, ParamValue, Plan, ReadError, ScopedInput, Symbol, SymbolSelector, TimeRange,
    Timeframe, Timestamp, UnitOfWork,
};
use crate::reader::MarketDataReader;

pub use params::{resolve as resolve_params, to_json as params_json};

/// An as-of time before the window's end: the window's last bars would be unreadable.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "as-of time {as_of} is before the window's end {end} (expected as-of at or after the end: nothing \
     after as-of may be read)"
)]
pub struct AsOfBeforeEnd {
    pub as_of: Timestamp,
    pub end: Timestamp,
}

/// The latest instant a unit over `window` may read: `requested`, or the window's end when none
/// is given; never before the end.
pub fn as_of(window: TimeRange, requested: Option<Timestamp>) -> Result<Timestamp, AsOfBeforeEnd> {
    let end = window.end();
    match requested {
        None => Ok(end),
        Some(as_of) if as_of < end => Err(AsOfBeforeEnd { as_of, end }),
        Some(as_of) => Ok(as_of),
    }
}

/// The first instant of the warm-up: the `warm_up_bars`-th stored bar before `start`, the start
/// itself for no warm-up, or [`Timestamp::MIN`] (everything stored) when the series has fewer bars
/// before it.
pub fn warm_up_start(
    reader: &dyn MarketDataReader,
    symbol: &Symbol,
    timeframe: Timeframe,
    start: Timestamp,
    warm_up_bars: u32,
) -> Result<Timestamp, ReadError> {
    match NonZeroUsize::new(warm_up_bars as usize) {
        None => Ok(start),
        Some(bars) => Ok(reader.bar_before(symbol, timeframe, start, bars)?.unwrap_or(Timestamp::MIN)),
    }
}

/// Where a warm-up of `warm_up_bars` before `start` begins, as a time the plugin is given: the
/// [`warm_up_start`], or, when the series has fewer bars than that before `start`, its first bar
/// (`start` itself when it has none before it): never the bare [`Timestamp::MIN`], which some
/// guest languages cannot pass back (componentize-js's 64-bit integers near -2^63).
fn first_readable(
    reader: &dyn MarketDataReader,
    symbol: &Symbol,
    timeframe: Timeframe,
    start: Timestamp,
    warm_up_bars: u32,
) -> Result<Timestamp, ReadError> {
    let from = warm_up_start(reader, symbol, timeframe, start, warm_up_bars)?;
    if from != Timestamp::MIN {
        return Ok(from);
    }
    let before = TimeRange::new(Timestamp::MIN, start).expect("MIN is the first instant");
    Ok(reader.availability(symbol, timeframe, before)?.earliest.unwrap_or(start))
}

/// A plan that cannot be served: the input, as declared, and what was expected of it.
#[derive(Debug, Error)]
pub enum PlanError {
    #[error("the plan declares no inputs (expected at least one series to read)")]
    NoInputs,
    #[error("plan input [{index}] ({input}): {problem}")]
    Input { index: usize, input: Input, problem: String },
    /// Reading what the source stores failed; its message, not a source, so it is shown once.
    #[error("checking the plan's inputs: {0}")]
    Read(ReadError),
}

/// Checks `plan` before any unit runs: at least one input, warm-ups within `max_warm_up_bars`,
/// and every fixed symbol stored at its input's timeframe (`own_timeframe` where the input
/// names none).
pub fn check_plan(
    reader: &dyn MarketDataReader,
    plan: &Plan,
    own_timeframe: Timeframe,
    max_warm_up_bars: u32,
) -> Result<(), PlanError> {
    if plan.inputs.is_empty() {
        return Err(PlanError::NoInputs);
    }
    for (index, input) in plan.inputs.iter().enumerate() {
        let refuse = |problem: String| PlanError::Input { index, input: input.clone(), problem };
        if input.warm_up_bars > max_warm_up_bars {
            return Err(refuse(format!(
                "a warm-up of {} bars is above the job's limit of {max_warm_up_bars} (expected at most \
                 {max_warm_up_bars}: lower the parameter that sets it, or raise `limits.warm_up_bars`)",
                input.warm_up_bars
            )));
        }
        if let SymbolSelector::Fixed(symbol) = &input.symbols {
            let timeframe = input.timeframe.unwrap_or(own_timeframe);
            let stored = reader.timeframes(symbol).map_err(PlanError::Read)?;
            if !stored.contains(&timeframe) {
                let held = if stored.is_empty() {
                    format!("no bars of {symbol} are stored")
                } else {
                    let list: Vec<&str> = stored.iter().map(|t| t.as_str()).collect();
                    format!("{symbol} is stored at {}", list.join(", "))
                };
                return Err(refuse(format!("no {symbol} {timeframe} bars to read ({held})")));
            }
        }
    }
    Ok(())
}

/// `plan`'s inputs scoped to a unit whose own symbols are `own` (one, or a cross-section's all)
/// at `own_timeframe`, of a job over `job_symbols`, with a window starting at `start`: each
/// input's symbols resolved, and its warm-up start the earliest of theirs (see
/// [`warm_up_start`]). Inputs over the same symbols and timeframe stay separate, as declared.
pub fn scope_inputs(
    reader: &dyn MarketDataReader,
    plan: &Plan,
    own: &[Symbol],
    job_symbols: &[Symbol],
    own_timeframe: Timeframe,
    start: Timestamp,
) -> Result<Vec<ScopedInput>, ReadError> {
    plan.inputs
        .iter()
        .map(|input| {
            let mut symbols = match &input.symbols {
                SymbolSelector::Own => own.to_vec(),
                SymbolSelector::Fixed(symbol) => vec![symbol.clone()],
                SymbolSelector::Every => job_symbols.to_vec(),
            };
            symbols.sort();
            symbols.dedup();
            let timeframe = input.timeframe.unwrap_or(own_timeframe);
            let mut warm_up_from = start;
            for symbol in &symbols {
                warm_up_from =
                    warm_up_from.min(first_readable(reader, symbol, timeframe, start, input.warm_up_bars)?);
            }
            Ok(ScopedInput { symbols, timeframe, fields: input.fields, warm_up_from })
        })
        .collect()
}

/// One unit of work: `symbol` over `window`, in a job over `job_symbols`, reading `plan`'s inputs
/// (see [`scope_inputs`]) up to `as_of` (see [`as_of`]), with `params` resolved by
/// [`resolve_params`].
#[allow(clippy::too_many_arguments, reason = "the unit's parts, each named at the call")]
pub fn unit_of_work(
    reader: &dyn MarketDataReader,
    symbol: &Symbol,
    job_symbols: &[Symbol],
    timeframe: Timeframe,
    window: TimeRange,
    as_of: Timestamp,
    plan: &Plan,
    params: Vec<(String, ParamValue)>,
) -> Result<UnitOfWork, ReadError> {
    let inputs =
        scope_inputs(reader, plan, std::slice::from_ref(symbol), job_symbols, timeframe, window.start())?;
    let warm_up_from = inputs
        .iter()
        .filter(|i| i.timeframe == timeframe && i.symbols.contains(symbol))
        .map(|i| i.warm_up_from)
        .min()
        .unwrap_or(window.start());
    Ok(UnitOfWork { symbol: symbol.clone(), timeframe, window, warm_up_from, as_of, inputs, params })
}

/// One cross-section unit: every one of `symbols` over `window`, reading `plan`'s inputs up to
/// the window's end.
pub fn cross_section_unit(
    reader: &dyn MarketDataReader,
    symbols: &[Symbol],
    timeframe: Timeframe,
    window: TimeRange,
    plan: &Plan,
    params: Vec<(String, ParamValue)>,
) -> Result<CrossSectionUnit, ReadError> {
    let mut symbols = symbols.to_vec();
    symbols.sort();
    symbols.dedup();
    let inputs = scope_inputs(reader, plan, &symbols, &symbols, timeframe, window.start())?;
    Ok(CrossSectionUnit { symbols, timeframe, window, as_of: window.end(), inputs, params })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(start: i64, end: i64) -> TimeRange {
        TimeRange::new(Timestamp::from_micros(start), Timestamp::from_micros(end)).unwrap()
    }

    #[test]
    fn as_of_defaults_to_the_end_and_is_never_before_it() {
        let w = window(0, 100);
        assert_eq!(as_of(w, None), Ok(Timestamp::from_micros(100)));
        assert_eq!(as_of(w, Some(Timestamp::from_micros(100))), Ok(Timestamp::from_micros(100)));
        assert_eq!(as_of(w, Some(Timestamp::from_micros(500))), Ok(Timestamp::from_micros(500)));
        let err = as_of(w, Some(Timestamp::from_micros(99))).unwrap_err();
        assert_eq!(
            err,
            AsOfBeforeEnd { as_of: Timestamp::from_micros(99), end: Timestamp::from_micros(100) }
        );
        assert!(
            err.to_string().starts_with("as-of time 1970-01-01T00:00:00.000099Z is before the window's end")
        );
    }

    fn memory(rows: &[(&str, &str, i64)]) -> crate::reader::MemoryMarketDataReader {
        let bar = |t: i64| crate::domain::Bar {
            ts: Timestamp::from_micros(t),
            open: 1.0,
            high: 1.0,
            low: 1.0,
            close: 1.0,
            volume: 0,
        };
        crate::reader::MemoryMarketDataReader::from_stored_rows(
            rows.iter().map(|&(s, tf, t)| (s, tf, bar(t))),
        )
    }

    fn fixed(symbol: &str, timeframe: Option<Timeframe>, warm_up_bars: u32) -> Input {
        Input {
            timeframe,
            symbols: SymbolSelector::Fixed(Symbol::new(symbol).unwrap()),
            fields: crate::domain::Fields::CLOSE,
            warm_up_bars,
        }
    }

    #[test]
    fn a_plan_is_refused_naming_the_input_and_what_was_expected() {
        let reader = memory(&[("EURUSD", "1h", 0), ("SPX", "1d", 0)]);
        let check = |inputs: Vec<Input>| check_plan(&reader, &Plan { inputs }, Timeframe::Hour1, 500);
        assert!(matches!(check(vec![]), Err(PlanError::NoInputs)));
        assert!(check(vec![fixed("SPX", Some(Timeframe::Day1), 500)]).is_ok());
        let err =
            check(vec![Plan::own_series(0).inputs[0].clone(), fixed("SPX", Some(Timeframe::Day1), 501)])
                .unwrap_err();
        assert_eq!(
            err.to_string(),
            "plan input [1] (SPX 1d [close], warm-up 501 bars): a warm-up of 501 bars is above the job's limit of \
             500 (expected at most 500: lower the parameter that sets it, or raise `limits.warm_up_bars`)"
        );
        let err = check(vec![fixed("SPX", None, 0)]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "plan input [0] (SPX at the unit's timeframe [close], warm-up 0 bars): no SPX 1h bars to read (SPX is \
             stored at 1d)"
        );
        let err = check(vec![fixed("SPY", Some(Timeframe::Day1), 0)]).unwrap_err();
        assert!(err.to_string().ends_with("no SPY 1d bars to read (no bars of SPY are stored)"), "{err}");
    }

    #[test]
    fn inputs_resolve_their_symbols_and_start_at_the_earliest_warm_up() {
        const H: i64 = 3_600_000_000;
        let reader =
            memory(&[("AAA", "1h", 0), ("AAA", "1h", H), ("AAA", "1h", 2 * H), ("BBB", "1h", 2 * H)]);
        let symbols = [Symbol::new("BBB").unwrap(), Symbol::new("AAA").unwrap()];
        let every = Input {
            timeframe: None,
            symbols: SymbolSelector::Every,
            fields: crate::domain::Fields::CLOSE,
            warm_up_bars: 1,
        };
        let plan = Plan { inputs: vec![Plan::own_series(0).inputs[0].clone(), every] };
        let unit = unit_of_work(
            &reader,
            &symbols[1],
            &symbols,
            Timeframe::Hour1,
            window(2 * H, 2 * H),
            Timestamp::from_micros(2 * H),
            &plan,
            Vec::new(),
        )
        .unwrap();
        assert_eq!(unit.inputs[0].symbols, [symbols[1].clone()]);
        assert_eq!(unit.inputs[0].warm_up_from, Timestamp::from_micros(2 * H), "no warm-up");
        assert_eq!(unit.inputs[1].symbols, [symbols[1].clone(), symbols[0].clone()], "in byte order");
        // AAA's bar before 2H is at H; BBB has none before it, so it starts at its first bar (2H),
        // never at the bare minimum: the earliest wins.
        assert_eq!(unit.inputs[1].warm_up_from, Timestamp::from_micros(H));
        assert_eq!(
            unit.warm_up_from,
            Timestamp::from_micros(H),
            "the own series' earliest start over its inputs"
        );
    }
}
