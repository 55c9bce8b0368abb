//! Information-driven bars: tick, volume and dollar bars (López de Prado, AFML §2.3.2).
//!
//! A bar takes consecutive source rows (ticks or bars) until its running measure reaches the
//! threshold (`>=`): the number of rows for tick bars, the volume sum for volume bars, the sum of
//! close × volume for dollar bars. The row that reaches it is the bar's last and the next row
//! opens a new bar; a row is never split, so a bar may overshoot. Prices are the rows' closes:
//! open = first close, high = max close, low = min close, close = last close. A bar is stamped
//! with its first row's timestamp; `end_ts` is its last row's. Rows left over at the end (the
//! trailing partial bar, which the threshold did not close) are dropped. Bars start afresh at the
//! first row fed, so the window's start fixes where they fall.
//!
//! The sampler is fed one row at a time and holds one bar, so memory is the output's.

use guest_support::{Column, ParamError, ParamSpec, ParamValue, Params, Table, VolumeOverflow};

/// The output columns, in order.
pub const COLUMNS: [&str; 8] = ["open", "high", "low", "close", "volume", "ticks", "dollar", "end_ts"];

/// The parameters `bars` accepts.
pub fn param_specs() -> Vec<ParamSpec> {
    vec![
        ParamSpec {
            name: "kind",
            default: ParamValue::Text("tick".into()),
            description: "what a bar counts: tick (rows), volume (volume sum) or dollar (close × volume sum)",
        },
        ParamSpec {
            name: "threshold",
            default: ParamValue::Float(1000.0),
            description: "a bar closes on the row that brings its count or sum to >= this (> 0; rows, units or currency)",
        },
    ]
}

/// What a bar counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Source rows.
    Tick,
    /// Volume.
    Volume,
    /// Close × volume.
    Dollar,
}

/// What one unit's bars need, checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    kind: Kind,
    threshold: f64,
}

impl Config {
    /// `kind` one of tick, volume, dollar; `threshold` finite and > 0.
    pub fn new(params: &Params<'_>) -> Result<Config, ParamError> {
        let kind = match params.one_of("kind", &["tick", "volume", "dollar"])? {
            "tick" => Kind::Tick,
            "volume" => Kind::Volume,
            _ => Kind::Dollar,
        };
        Ok(Config { kind, threshold: params.positive_float("threshold")? })
    }
}

/// The bar being filled.
#[derive(Debug, Clone, Copy)]
struct Bar {
    ts: i64,
    open: f64,
    high: f64,
    low: f64,
    close: f64,
    volume: i64,
    ticks: i64,
    dollar: f64,
    end_ts: i64,
}

/// Builds bars from rows fed in ascending order of time.
#[derive(Debug)]
pub struct BarSampler {
    config: Config,
    current: Option<Bar>,
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
    ticks: Vec<i64>,
    dollar: Vec<f64>,
    end_ts: Vec<i64>,
}

impl BarSampler {
    pub fn new(config: Config) -> BarSampler {
        BarSampler { config, current: None, out: Output::default() }
    }

    /// Adds the next row; its timestamp must be after the previous one's.
    pub fn push(&mut self, ts: i64, close: f64, volume: i64) -> Result<(), VolumeOverflow> {
        let dollar = close * volume as f64;
        let bar = match &mut self.current {
            Some(bar) => {
                bar.high = bar.high.max(close);
                bar.low = bar.low.min(close);
                bar.close = close;
                bar.volume = VolumeOverflow::add("bar", bar.ts, bar.volume, volume)?;
                bar.ticks += 1;
                bar.dollar += dollar;
                bar.end_ts = ts;
                *bar
            }
            None => {
                let bar = Bar {
                    ts,
                    open: close,
                    high: close,
                    low: close,
                    close,
                    volume,
                    ticks: 1,
                    dollar,
                    end_ts: ts,
                };
                self.current = Some(bar);
                bar
            }
        };
        let measure = match self.config.kind {
            Kind::Tick => bar.ticks as f64,
            Kind::Volume => bar.volume as f64,
            Kind::Dollar => bar.dollar,
        };
        if measure >= self.config.threshold {
            self.current = None;
            self.emit(bar);
        }
        Ok(())
    }

    /// The bars the threshold closed; the trailing partial bar is dropped.
    pub fn finish(self) -> Table {
        let out = self.out;
        Table {
            ts: out.ts,
            columns: vec![
                Column::float(COLUMNS[0], out.open),
                Column::float(COLUMNS[1], out.high),
                Column::float(COLUMNS[2], out.low),
                Column::float(COLUMNS[3], out.close),
                Column::int(COLUMNS[4], out.volume),
                Column::int(COLUMNS[5], out.ticks),
                Column::float(COLUMNS[6], out.dollar),
                Column::int(COLUMNS[7], out.end_ts),
            ],
        }
    }

    fn emit(&mut self, bar: Bar) {
        let out = &mut self.out;
        out.ts.push(bar.ts);
        out.open.push(bar.open);
        out.high.push(bar.high);
        out.low.push(bar.low);
        out.close.push(bar.close);
        out.volume.push(bar.volume);
        out.ticks.push(bar.ticks);
        out.dollar.push(bar.dollar);
        out.end_ts.push(bar.end_ts);
    }
}

#[cfg(test)]
mod tests;
