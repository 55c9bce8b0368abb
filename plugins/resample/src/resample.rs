//! Clock resampling: source bars aggregated into the UTC periods of a higher timeframe.
//!
//! Per period: open = first open, high = max high, low = min low, close = last close, volume =
//! sum, bars = how many source bars; the row's timestamp is the period's start (its open time).
//! A period is complete when the window covers all of it: it starts at or after the window's
//! start, and its last possible source bar (at `end - source length`) opens no later than the
//! window's end; for `tick` sources, whose rows have no length, its end is at or before the
//! window's end. A first period that starts before the window is always dropped (its open, high and
//! low are not the period's, and its stamp precedes what the unit may read); an incomplete last
//! period is dropped, or kept with `complete = 0` when asked. Periods without source bars produce
//! no row: gaps stay gaps.
//!
//! The resampler is fed one bar at a time and holds one period, so memory is the output's.

use guest_support::{Column, ParamError, ParamSpec, ParamValue, Params, Table, VolumeOverflow, Window};

use crate::clock::Clock;
use crate::timeframe::Timeframe;

/// The output columns, in order.
pub const COLUMNS: [&str; 7] = ["open", "high", "low", "close", "volume", "bars", "complete"];

/// The timeframes `to` may name.
const TARGETS: [&str; 8] = ["5m", "15m", "30m", "1h", "4h", "1d", "1w", "1M"];

/// The parameters `resample` accepts.
pub fn param_specs() -> Vec<ParamSpec> {
    vec![
        ParamSpec {
            name: "to",
            default: ParamValue::Text("1d".into()),
            description: "target timeframe, higher than the unit's: one of 5m 15m 30m 1h 4h 1d 1w 1M",
        },
        ParamSpec {
            name: "keep_incomplete",
            default: ParamValue::Boolean(false),
            description: "keep the window's partly covered last period, with complete = 0",
        },
    ]
}

/// The target timeframe's label, one of [`TARGETS`]: what `plan` checks before any unit runs
/// (whether it is above the unit's timeframe waits for the unit).
pub fn target(params: &Params<'_>) -> Result<&'static str, ParamError> {
    params.one_of("to", &TARGETS)
}

/// What one unit's resampling needs, checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// The source bars' length in µs; 0 for ticks.
    source_micros: i64,
    clock: Clock,
    window: Window,
    keep_incomplete: bool,
}

impl Config {
    /// Checks the parameters against the unit's timeframe: `to` must be strictly coarser than
    /// `source`, and made of whole source bars (weeks straddle months, so 1w cannot become 1M).
    pub fn new(params: &Params<'_>, source: Timeframe, window: Window) -> Result<Config, ParamError> {
        let label = target(params)?;
        // Every entry of TARGETS parses and has a clock (none is `tick`).
        let target = Timeframe::parse(label).expect("TARGETS are timeframes");
        let clock = Clock::of(target).expect("TARGETS have clocks");
        if target <= source {
            return Err(ParamError::expected(
                "to",
                &format!("a timeframe higher than the unit's {source}"),
                format!("{label:?}"),
            ));
        }
        if source == Timeframe::Week1 && target == Timeframe::Month1 {
            return Err(ParamError::expected(
                "to",
                "a timeframe whose periods hold whole 1w bars",
                r#""1M" (weeks straddle month boundaries)"#,
            ));
        }
        Ok(Config {
            source_micros: source.fixed_micros().unwrap_or(0),
            clock,
            window,
            keep_incomplete: params.boolean("keep_incomplete"),
        })
    }
}

/// One source bar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bar {
    pub ts: i64,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    pub volume: i64,
}

/// The period being filled.
#[derive(Debug, Clone, Copy)]
struct Period {
    start: i64,
    end: i64,
    open: f64,
    high: f64,
    low: f64,
    close: f64,
    volume: i64,
    bars: i64,
}

/// Resamples bars fed in ascending order of time.
#[derive(Debug)]
pub struct Resampler {
    config: Config,
    current: Option<Period>,
    out: Output,
}

#[derive(Debug, Default)]
struct Output {
    ts: Vec<i64>,
    open: Vec<f64>,
    high: Vec<f64>,
    low: Vec<f64>,
    close: Vec<f64>,
    volume: Vec<i64>,
    bars: Vec<i64>,
    complete: Vec<i64>,
}

impl Resampler {
    pub fn new(config: Config) -> Resampler {
        Resampler { config, current: None, out: Output::default() }
    }

    /// Adds the next bar; its timestamp must be after the previous one's.
    pub fn push(&mut self, bar: Bar) -> Result<(), VolumeOverflow> {
        if let Some(period) = &mut self.current
            && bar.ts < period.end
        {
            period.high = period.high.max(bar.high);
            period.low = period.low.min(bar.low);
            period.close = bar.close;
            period.bars += 1;
            period.volume = VolumeOverflow::add("period", period.start, period.volume, bar.volume)?;
            return Ok(());
        }
        self.flush();
        let start = self.config.clock.period_start(bar.ts);
        self.current = Some(Period {
            start,
            end: self.config.clock.period_end(start),
            open: bar.open,
            high: bar.high,
            low: bar.low,
            close: bar.close,
            volume: bar.volume,
            bars: 1,
        });
        Ok(())
    }

    /// The resampled table, after the last bar.
    pub fn finish(mut self) -> Table {
        self.flush();
        let out = self.out;
        Table {
            ts: out.ts,
            columns: vec![
                Column::float(COLUMNS[0], out.open),
                Column::float(COLUMNS[1], out.high),
                Column::float(COLUMNS[2], out.low),
                Column::float(COLUMNS[3], out.close),
                Column::int(COLUMNS[4], out.volume),
                Column::int(COLUMNS[5], out.bars),
                Column::int(COLUMNS[6], out.complete),
            ],
        }
    }

    /// Emits the current period, if it is complete or incomplete ones are kept.
    fn flush(&mut self) {
        let Some(period) = self.current.take() else { return };
        let window = self.config.window;
        // A period that starts before the window is never kept: its open, high and low are not the
        // period's (its first bars are unseen), and its stamp lies before anything the unit may
        // read, which the host refuses in a sampler's rows.
        if period.start < window.start {
            return;
        }
        let complete = period.end.saturating_sub(self.config.source_micros) <= window.end;
        if !complete && !self.config.keep_incomplete {
            return;
        }
        let out = &mut self.out;
        out.ts.push(period.start);
        out.open.push(period.open);
        out.high.push(period.high);
        out.low.push(period.low);
        out.close.push(period.close);
        out.volume.push(period.volume);
        out.bars.push(period.bars);
        out.complete.push(i64::from(complete));
    }
}

#[cfg(test)]
mod tests;
