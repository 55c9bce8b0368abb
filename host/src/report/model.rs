//! The charts of one symbol as the page's script draws them: series downsampled for drawing, and
//! the raw values beside them for the hover.
//!
//! **Downsampling.** A chart draws at most [`MAX_DRAWN`] points: past that, each drawn point is a
//! bucket of `k` consecutive rows of the chart's time axis (k = ⌈rows / MAX_DRAWN⌉, a bucket
//! closing only where the second changes, so drawn times stay strictly increasing), stamped at its
//! first row's time: a candle is the bucket's first open, highest high, lowest low and last close,
//! volume its sum, a line its last value (NaN-free), a marker sits on the bucket of its row. The
//! page keeps every raw row; the hover shows the raw row under the pointer.

use serde::Serialize;

use super::layout::{EVENT_COLOUR_COLUMNS, Placement};
use super::load::Table;
use crate::domain::BarColumns;

/// Drawn points per chart at most: enough for a wide screen at one point per pixel, few enough
/// that zooming and panning stay smooth.
pub const MAX_DRAWN: usize = 4000;

/// One chart: a time axis, candles (when there are bars), overlays, panes and markers.
#[derive(Debug, Clone, Serialize)]
pub struct Chart {
    pub id: String,
    pub title: String,
    /// Rows per drawn point (1: not downsampled).
    pub step: usize,
    /// Drawn times, seconds since the epoch (bucket starts).
    pub t: Vec<i64>,
    /// Each bucket's first raw row, an index into `raw_t`.
    pub first: Vec<usize>,
    /// The raw axis, µs.
    pub raw_t: Vec<i64>,
    pub candles: Option<Candles>,
    pub series: Vec<Series>,
    pub panes: Vec<Pane>,
    pub markers: Vec<Marker>,
    /// Raw columns shown on hover only (name, values on `raw_t`).
    pub hover: Vec<(String, Vec<Option<f64>>)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Candles {
    pub o: Vec<f64>,
    pub h: Vec<f64>,
    pub l: Vec<f64>,
    pub c: Vec<f64>,
    /// Drawn volume, when the bars have any.
    pub v: Option<Vec<f64>>,
    /// The raw bars, on `raw_t`.
    pub raw: [Vec<f64>; 5],
}

/// A line or histogram: on the bar chart's price scale (`pane` 0) or in a pane below.
#[derive(Debug, Clone, Serialize)]
pub struct Series {
    pub label: String,
    /// 0: the price pane; then the index into `panes` plus one.
    pub pane: usize,
    pub histogram: bool,
    /// Drawn values on `t` (`None`: no value in that bucket).
    pub v: Vec<Option<f64>>,
    /// Raw times (µs) and values; no times when they are the chart's own (`raw_t` of the chart,
    /// a feature builder's rows on the bars), which halves a report's size.
    pub raw_t: Vec<i64>,
    pub raw_v: Vec<Option<f64>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Pane {
    pub title: String,
    pub rsi: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Marker {
    /// The drawn time it sits on, s.
    pub t: i64,
    /// The event's own time, µs.
    pub ts: i64,
    pub dataset: String,
    /// -1, 0, +1, or `None` when no column colours it.
    pub sign: Option<i8>,
    pub fields: Vec<(String, Option<f64>)>,
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// Buckets of at least `k` rows of `ts` (µs), closing only where the second changes: each bucket's
/// first index.
pub fn buckets(ts: &[i64], max_points: usize) -> Vec<usize> {
    let k = ts.len().div_ceil(max_points.max(1)).max(1);
    let mut firsts = Vec::with_capacity(ts.len() / k + 1);
    let mut last_second = None;
    let mut in_bucket = 0;
    for (i, &t) in ts.iter().enumerate() {
        let second = t.div_euclid(1_000_000);
        let new = match last_second {
            None => true,
            Some(s) => s != second && in_bucket >= k,
        };
        if new {
            firsts.push(i);
            in_bucket = 0;
        }
        in_bucket += 1;
        last_second = Some(second);
    }
    firsts
}

/// The chart being built: its axis fixed, series added onto it.
pub struct ChartBuilder {
    chart: Chart,
    /// Bucket starts, µs.
    starts: Vec<i64>,
}

impl ChartBuilder {
    /// A chart on the time axis `raw_t` (µs, ascending).
    pub fn new(id: String, title: String, raw_t: Vec<i64>) -> ChartBuilder {
        let first = buckets(&raw_t, MAX_DRAWN);
        let starts: Vec<i64> = first.iter().map(|&i| raw_t[i]).collect();
        let step = raw_t.len().div_ceil(first.len().max(1)).max(1);
        let t = starts.iter().map(|&us| us.div_euclid(1_000_000)).collect();
        ChartBuilder {
            chart: Chart {
                id,
                title,
                step,
                t,
                first,
                raw_t,
                candles: None,
                series: Vec::new(),
                panes: Vec::new(),
                markers: Vec::new(),
                hover: Vec::new(),
            },
            starts,
        }
    }

    /// The bucket a time falls in (the first one for a time before it).
    fn bucket_of(&self, ts: i64) -> usize {
        self.starts.partition_point(|&s| s <= ts).saturating_sub(1)
    }

    /// Index ranges of the raw axis, one per bucket.
    fn ranges(&self) -> Vec<std::ops::Range<usize>> {
        let first = &self.chart.first;
        (0..first.len())
            .map(|b| first[b]..first.get(b + 1).copied().unwrap_or(self.chart.raw_t.len()))
            .collect()
    }

    /// Candles from bars on the chart's own axis (`bars.ts` is the axis).
    pub fn candles(
        &mut self,
        open: &[f64],
        high: &[f64],
        low: &[f64],
        close: &[f64],
        volume: Option<&[f64]>,
    ) {
        let ranges = self.ranges();
        let fold = |values: &[f64], f: fn(f64, f64) -> f64| -> Vec<f64> {
            ranges.iter().map(|r| values[r.clone()].iter().copied().fold(values[r.start], f)).collect()
        };
        let candles = Candles {
            o: ranges.iter().map(|r| open[r.start]).collect(),
            h: fold(high, f64::max),
            l: fold(low, f64::min),
            c: ranges.iter().map(|r| close[r.end - 1]).collect(),
            v: volume.map(|v| ranges.iter().map(|r| v[r.clone()].iter().sum()).collect()),
            raw: [
                open.to_vec(),
                high.to_vec(),
                low.to_vec(),
                close.to_vec(),
                volume.map_or_else(Vec::new, <[f64]>::to_vec),
            ],
        };
        self.chart.candles = Some(candles);
    }

    /// Candles of `bars` (their `ts` must be the axis).
    pub fn bar_columns(&mut self, bars: &BarColumns) {
        let volume: Vec<f64> = bars.volume.iter().map(|&v| v as f64).collect();
        let volume = (!volume.is_empty()).then_some(volume.as_slice());
        self.candles(&bars.open, &bars.high, &bars.low, &bars.close, volume);
    }

    /// A line or histogram of values at `ts`, onto the buckets: each bucket's last finite value.
    pub fn series(&mut self, label: String, placement: &Placement, ts: &[i64], values: &[f64]) {
        let (pane, histogram) = match placement {
            Placement::Overlay => (0, false),
            Placement::Hover => return self.chart.hover.push((label, self.on_axis(ts, values))),
            Placement::Pane { pane, histogram, rsi_scale } => {
                let title = pane.clone();
                let index = match self.chart.panes.iter().position(|p| p.title == title) {
                    Some(i) => i,
                    None => {
                        self.chart.panes.push(Pane { title, rsi: *rsi_scale });
                        self.chart.panes.len() - 1
                    }
                };
                (index + 1, *histogram)
            }
        };
        let mut drawn = vec![None; self.starts.len()];
        for (&t, &v) in ts.iter().zip(values) {
            if let Some(v) = finite(v) {
                drawn[self.bucket_of(t)] = Some(v);
            }
        }
        self.chart.series.push(Series {
            label,
            pane,
            histogram,
            v: drawn,
            raw_t: if ts == self.chart.raw_t.as_slice() { Vec::new() } else { ts.to_vec() },
            raw_v: values.iter().map(|&v| finite(v)).collect(),
        });
    }

    /// Values at `ts` laid on the raw axis (`None` where a row has none).
    fn on_axis(&self, ts: &[i64], values: &[f64]) -> Vec<Option<f64>> {
        let axis = &self.chart.raw_t;
        let mut out = vec![None; axis.len()];
        for (&t, &v) in ts.iter().zip(values) {
            if let Ok(i) = axis.binary_search(&t) {
                out[i] = finite(v);
            }
        }
        out
    }

    /// One marker per row of an events table.
    pub fn markers(&mut self, dataset: &str, table: &Table) {
        let colour = EVENT_COLOUR_COLUMNS.iter().find_map(|c| table.column(c));
        for (row, &ts) in table.ts.iter().enumerate() {
            let sign = colour.map(|values| {
                let v = values[row];
                if v > 0.0 {
                    1
                } else if v < 0.0 {
                    -1
                } else {
                    0
                }
            });
            let t = self.chart.t.get(self.bucket_of(ts)).copied().unwrap_or(ts.div_euclid(1_000_000));
            self.chart.markers.push(Marker {
                t,
                ts,
                dataset: dataset.to_owned(),
                sign,
                fields: table.columns.iter().map(|c| (c.name.clone(), finite(c.values[row]))).collect(),
            });
        }
    }

    pub fn finish(self) -> Chart {
        self.chart
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_hold_k_rows_and_never_split_a_second() {
        let ts: Vec<i64> = (0..10).map(|i| i * 1_000_000).collect();
        assert_eq!(buckets(&ts, 100), (0..10).collect::<Vec<_>>());
        assert_eq!(buckets(&ts, 5), vec![0, 2, 4, 6, 8]);
        assert_eq!(buckets(&ts, 3), vec![0, 4, 8]);
        // Three rows in one second stay in one bucket.
        let ts = [0, 1, 2, 1_000_000, 2_000_000];
        assert_eq!(buckets(&ts, 5), vec![0, 3, 4]);
    }

    #[test]
    fn a_downsampled_candle_is_the_buckets_ohlc_and_a_line_its_last_value() {
        let ts: Vec<i64> = (0..4).map(|i| i * 3_600_000_000).collect();
        let mut chart = ChartBuilder::new("c".into(), "c".into(), ts.clone());
        chart.chart.first = vec![0, 2];
        chart.starts = vec![ts[0], ts[2]];
        chart.chart.t = vec![0, 7200];
        chart.candles(
            &[1.0, 2.0, 3.0, 4.0],
            &[5.0, 9.0, 6.0, 7.0],
            &[0.5, 1.5, 2.5, 0.1],
            &[2.0, 3.0, 4.0, 5.0],
            None,
        );
        let candles = chart.chart.candles.as_ref().unwrap();
        assert_eq!((candles.o.clone(), candles.h.clone()), (vec![1.0, 3.0], vec![9.0, 7.0]));
        assert_eq!((candles.l.clone(), candles.c.clone()), (vec![0.5, 0.1], vec![3.0, 5.0]));
        chart.series("sma".into(), &Placement::Overlay, &ts, &[f64::NAN, 1.5, 2.5, f64::NAN]);
        assert_eq!(chart.chart.series[0].v, vec![Some(1.5), Some(2.5)]);
        let events = Table {
            ts: vec![ts[1], ts[3]],
            columns: vec![super::super::load::Column { name: "label".into(), values: vec![-1.0, 0.0] }],
        };
        chart.markers("events", &events);
        let signs: Vec<_> = chart.chart.markers.iter().map(|m| (m.t, m.sign)).collect();
        assert_eq!(signs, vec![(0, Some(-1)), (7200, Some(0))]);
    }
}
