//! CUSUM events with triple-barrier labels over one unit's bars: the `events` sampler.
//!
//! Bars arrive ascending from the warm-up through the window and on towards the as-of time.
//! Events are detected only at bars inside the window, by the [`Cusum`] filter on log returns of
//! close, `ln(close / previous close)`; the previous close may be the last bar before the window
//! (the one bar of warm-up), and a window's first bar without one has no return. Both CUSUM sums
//! start at 0 at the window's start. Each event opens a triple-barrier label ([`Labeler`]) that
//! the bars after it resolve, in the window or past its end; bars past the end detect nothing.
//! An event whose bars run out first (the as-of time, or the end of the data) is reported
//! unresolved: `resolved = 0`, label 0, never a guessed label.
//!
//! Once the window is over and no event is open nothing more can change, and [`EventSampler::push`]
//! says so, so the reader can stop early instead of reading up to the as-of time.

use guest_support::{Column, ParamError, ParamSpec, ParamValue, Params, Table, Window};
use std::fmt;
use std::ops::ControlFlow;

use crate::barrier::{Barriers, Labeler, Outcome, Touch};
use crate::cusum::Cusum;

/// The output columns, in order.
pub const COLUMNS: [&str; 5] = ["label", "ret", "t1", "barrier", "resolved"];

/// The parameters `events` accepts.
pub fn param_specs() -> Vec<ParamSpec> {
    vec![
        ParamSpec {
            name: "cusum_threshold",
            default: ParamValue::Float(0.01),
            description: "CUSUM filter threshold h on log returns of close (> 0): an event when a sum passes it",
        },
        ParamSpec {
            name: "profit_take",
            default: ParamValue::Float(0.01),
            description: "upper barrier as a return from the event's close (> 0; 0.01 = +1%)",
        },
        ParamSpec {
            name: "stop_loss",
            default: ParamValue::Float(0.01),
            description: "lower barrier as a loss from the event's close (> 0; 0.01 = -1%)",
        },
        ParamSpec {
            name: "vertical_bars",
            default: ParamValue::Int(20),
            description: "vertical barrier: bars after the event to wait for a touch (>= 1)",
        },
    ]
}

/// What one unit's events need, checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    cusum_threshold: f64,
    barriers: Barriers,
}

impl Config {
    /// The three thresholds finite and > 0, `vertical_bars` >= 1.
    pub fn new(params: &Params<'_>) -> Result<Config, ParamError> {
        Ok(Config {
            cusum_threshold: params.positive_float("cusum_threshold")?,
            barriers: Barriers {
                profit_take: params.positive_float("profit_take")?,
                stop_loss: params.positive_float("stop_loss")?,
                // At least 1, so it converts.
                vertical_bars: params.int_at_least("vertical_bars", 1)?.unsigned_abs(),
            },
        })
    }
}

/// A close that has no logarithm.
#[derive(Debug, Clone, PartialEq)]
pub struct NotPositive {
    pub ts: i64,
    pub close: f64,
}

impl fmt::Display for NotPositive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "close {} at {} µs is not a positive number (log returns need positive closes)",
            self.close, self.ts
        )
    }
}

impl std::error::Error for NotPositive {}

/// Detects and labels events from bars fed in ascending order of time.
#[derive(Debug)]
pub struct EventSampler {
    window: Window,
    cusum: Cusum,
    labeler: Labeler,
    previous_close: Option<f64>,
    out: Output,
}

impl EventSampler {
    pub fn new(config: Config, window: Window) -> EventSampler {
        EventSampler {
            window,
            cusum: Cusum::new(config.cusum_threshold),
            labeler: Labeler::new(config.barriers),
            previous_close: None,
            out: Output::default(),
        }
    }

    /// Adds the next bar; `Break` once no later bar can change the table.
    pub fn push(&mut self, ts: i64, close: f64) -> Result<ControlFlow<()>, NotPositive> {
        if !(close.is_finite() && close > 0.0) {
            return Err(NotPositive { ts, close });
        }
        // Earlier events see this bar before it can become an event itself.
        let out = &mut self.out;
        self.labeler.advance(ts, close, &mut |outcome| out.resolve(outcome));
        if self.window.contains(ts)
            && let Some(previous) = self.previous_close
            && self.cusum.update((close / previous).ln())
        {
            let row = self.out.open(ts);
            self.labeler.open(row, ts, close);
        }
        self.previous_close = Some(close);
        if ts >= self.window.end && self.labeler.is_idle() {
            Ok(ControlFlow::Break(()))
        } else {
            Ok(ControlFlow::Continue(()))
        }
    }

    /// The events, after the last bar; those still open are unresolved.
    pub fn finish(self) -> Table {
        let mut out = self.out;
        for outcome in self.labeler.finish() {
            out.resolve(outcome);
        }
        Table {
            ts: out.ts,
            columns: vec![
                Column::int(COLUMNS[0], out.label),
                Column::float(COLUMNS[1], out.ret),
                Column::int(COLUMNS[2], out.t1),
                Column::int(COLUMNS[3], out.barrier),
                Column::int(COLUMNS[4], out.resolved),
            ],
        }
    }
}

/// One row per event, in event order; a row is filled in when its event resolves.
#[derive(Debug, Default)]
struct Output {
    ts: Vec<i64>,
    label: Vec<i64>,
    ret: Vec<f64>,
    t1: Vec<i64>,
    barrier: Vec<i64>,
    resolved: Vec<i64>,
}

impl Output {
    /// Adds an event's row, unresolved until its outcome comes; returns its index.
    fn open(&mut self, ts: i64) -> usize {
        self.ts.push(ts);
        self.label.push(0);
        self.ret.push(0.0);
        self.t1.push(ts);
        self.barrier.push(0);
        self.resolved.push(0);
        self.ts.len() - 1
    }

    fn resolve(&mut self, outcome: Outcome) {
        let row = outcome.row;
        let (label, resolved) = match outcome.touch {
            Some(Touch::ProfitTake) => (1, 1),
            Some(Touch::StopLoss) => (-1, 1),
            Some(Touch::Vertical) => (0, 1),
            None => (0, 0),
        };
        self.label[row] = label;
        // The barrier code equals the label: 1 profit-take, -1 stop-loss, 0 vertical (or none).
        self.barrier[row] = label;
        self.resolved[row] = resolved;
        self.ret[row] = outcome.ret;
        self.t1[row] = outcome.t1;
    }
}

#[cfg(test)]
mod tests;
