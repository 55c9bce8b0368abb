//! Triple-barrier labels (López de Prado, AFML §3.4), on closes only.
//!
//! From an event's close `c0`, each following bar's return is `close / c0 - 1`. Scanning the
//! bars one by one, the first whose return is `>= profit_take` labels the event +1 (barrier 1),
//! the first whose return is `<= -stop_loss` labels it -1 (barrier -1); if neither comes within
//! `vertical_bars` bars, the `vertical_bars`-th bar labels it 0 (barrier 0), a touch on that very
//! bar taking precedence. Bars are counted, not clock time, so gaps do not stretch the barrier.
//! No intrabar highs or lows are looked at: a bar whose low crossed the stop but whose close
//! did not is no touch.
//!
//! The labeler keeps the events still open; each bar advances all of them. An event is open for
//! at most `vertical_bars` bars, so at most that many are open at once.

/// The three barriers, checked: both returns > 0, `vertical_bars` >= 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Barriers {
    pub profit_take: f64,
    pub stop_loss: f64,
    pub vertical_bars: u64,
}

/// Which barrier an event touched first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Touch {
    /// The return reached `profit_take`: label +1.
    ProfitTake,
    /// The return reached `-stop_loss`: label -1.
    StopLoss,
    /// Neither within `vertical_bars` bars: label 0.
    Vertical,
}

/// How an event came out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    /// The event's row in the output.
    pub row: usize,
    /// The barrier touched; none when the bars ran out first (unresolved).
    pub touch: Option<Touch>,
    /// The return at `t1`.
    pub ret: f64,
    /// The bar that touched, or the last bar seen when unresolved (the event's own if none).
    pub t1: i64,
}

/// An event whose label is not known yet.
#[derive(Debug, Clone, Copy)]
struct Open {
    row: usize,
    close0: f64,
    bars_seen: u64,
    last_ts: i64,
    last_ret: f64,
}

/// The events still open.
#[derive(Debug)]
pub struct Labeler {
    barriers: Barriers,
    open: Vec<Open>,
}

impl Labeler {
    pub fn new(barriers: Barriers) -> Labeler {
        Labeler { barriers, open: Vec::new() }
    }

    /// Opens an event at a bar (`ts`, `close0`), to be written to output row `row`.
    pub fn open(&mut self, row: usize, ts: i64, close0: f64) {
        self.open.push(Open { row, close0, bars_seen: 0, last_ts: ts, last_ret: 0.0 });
    }

    /// Whether no event is open.
    pub fn is_idle(&self) -> bool {
        self.open.is_empty()
    }

    /// Shows the next bar to every open event; `resolved` gets the events it closes.
    pub fn advance(&mut self, ts: i64, close: f64, resolved: &mut impl FnMut(Outcome)) {
        let barriers = self.barriers;
        self.open.retain_mut(|event| {
            let ret = close / event.close0 - 1.0;
            event.bars_seen += 1;
            let touch = if ret >= barriers.profit_take {
                Some(Touch::ProfitTake)
            } else if ret <= -barriers.stop_loss {
                Some(Touch::StopLoss)
            } else if event.bars_seen >= barriers.vertical_bars {
                Some(Touch::Vertical)
            } else {
                None
            };
            event.last_ts = ts;
            event.last_ret = ret;
            if touch.is_some() {
                resolved(Outcome { row: event.row, touch, ret, t1: ts });
            }
            touch.is_none()
        });
    }

    /// The events still open when the bars ran out, unresolved.
    pub fn finish(self) -> impl Iterator<Item = Outcome> {
        self.open.into_iter().map(|event| Outcome {
            row: event.row,
            touch: None,
            ret: event.last_ret,
            t1: event.last_ts,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Barriers at +25% and -12.5% with a vertical of three bars: binary-exact returns from 4.0.
    const BARRIERS: Barriers = Barriers { profit_take: 0.25, stop_loss: 0.125, vertical_bars: 3 };

    /// Opens one event at (0, 4.0), advances it over `closes` at ts 1, 2, …, then finishes.
    fn label(closes: &[f64]) -> Vec<Outcome> {
        let mut labeler = Labeler::new(BARRIERS);
        labeler.open(0, 0, 4.0);
        let mut outcomes = Vec::new();
        for (i, &close) in closes.iter().enumerate() {
            labeler.advance(i as i64 + 1, close, &mut |outcome| outcomes.push(outcome));
        }
        outcomes.extend(labeler.finish());
        outcomes
    }

    #[test]
    fn advance_takes_profit_on_exact_threshold() {
        // 4.5 / 4 - 1 = 0.125 is short; 5 / 4 - 1 = 0.25 reaches it exactly.
        let outcome = Outcome { row: 0, touch: Some(Touch::ProfitTake), ret: 0.25, t1: 2 };
        assert_eq!(label(&[4.5, 5.0, 1.0]), [outcome]);
    }

    #[test]
    fn advance_stops_loss_on_exact_threshold() {
        let outcome = Outcome { row: 0, touch: Some(Touch::StopLoss), ret: -0.125, t1: 1 };
        assert_eq!(label(&[3.5, 9.0]), [outcome]);
    }

    #[test]
    fn advance_labels_vertical_at_the_last_bar_without_touch() {
        // Returns 0.0625, -0.0625, 0.03125: none reaches a barrier.
        let outcome = Outcome { row: 0, touch: Some(Touch::Vertical), ret: 0.03125, t1: 3 };
        assert_eq!(label(&[4.25, 3.75, 4.125, 9.0]), [outcome]);
    }

    #[test]
    fn advance_prefers_a_touch_on_the_vertical_bar() {
        let outcome = Outcome { row: 0, touch: Some(Touch::ProfitTake), ret: 0.25, t1: 3 };
        assert_eq!(label(&[4.0, 4.0, 5.0]), [outcome]);
    }

    #[test]
    fn finish_leaves_cut_short_events_unresolved_at_the_last_bar() {
        let outcome = Outcome { row: 0, touch: None, ret: -0.0625, t1: 2 };
        assert_eq!(label(&[4.25, 3.75]), [outcome]);
    }

    #[test]
    fn finish_without_any_later_bar_reports_the_event_bar() {
        assert_eq!(label(&[]), [Outcome { row: 0, touch: None, ret: 0.0, t1: 0 }]);
    }

    #[test]
    fn advance_resolves_overlapping_events_out_of_order() {
        let mut labeler = Labeler::new(Barriers { profit_take: 0.5, stop_loss: 0.25, vertical_bars: 10 });
        let mut outcomes = Vec::new();
        labeler.open(0, 0, 4.0);
        labeler.advance(1, 5.0, &mut |o| outcomes.push(o)); // row 0: +25%, open
        labeler.open(1, 1, 5.0);
        labeler.advance(2, 3.5, &mut |o| outcomes.push(o)); // row 0: -12.5%; row 1: -30%, stop
        assert!(!labeler.is_idle());
        labeler.advance(3, 6.0, &mut |o| outcomes.push(o)); // row 0: +50%, take
        assert!(labeler.is_idle());
        let rows: Vec<(usize, Option<Touch>, i64)> =
            outcomes.iter().map(|o| (o.row, o.touch, o.t1)).collect();
        assert_eq!(rows, [(1, Some(Touch::StopLoss), 2), (0, Some(Touch::ProfitTake), 3)]);
    }
}
