//! The symmetric CUSUM filter (López de Prado, AFML §2.5.2.1, snippet 2.4).
//!
//! Two running sums of returns, `s_pos = max(0, s_pos + r)` and `s_neg = min(0, s_neg + r)`,
//! start at 0. An event fires when `s_pos > h` or `s_neg < -h` (strictly), and the sum that fired
//! resets to 0, as in the book's snippet. Resetting one sum or both is the same: `s_pos - s_neg
//! <= h` holds after every step (while both move it is unchanged; once one is 0 the other is
//! within `h` or fires), so a return that lifts `s_pos` above `h` also lifts `s_neg + r` above 0,
//! and the other sum is already 0 when one fires. For the same reason both never fire at once.

/// The filter's state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cusum {
    threshold: f64,
    pos: f64,
    neg: f64,
}

impl Cusum {
    /// A filter with threshold `h` (> 0, in the returns' unit) and both sums at 0.
    pub fn new(threshold: f64) -> Cusum {
        Cusum { threshold, pos: 0.0, neg: 0.0 }
    }

    /// Adds the next return; true when it fires an event.
    pub fn update(&mut self, ret: f64) -> bool {
        self.pos = (self.pos + ret).max(0.0);
        self.neg = (self.neg + ret).min(0.0);
        if self.pos > self.threshold {
            self.pos = 0.0;
            true
        } else if self.neg < -self.threshold {
            self.neg = 0.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fires(h: f64, returns: &[f64]) -> Vec<bool> {
        let mut cusum = Cusum::new(h);
        returns.iter().map(|&r| cusum.update(r)).collect()
    }

    #[test]
    fn update_fires_only_strictly_above_threshold() {
        // 0.25 + 0.25 = 0.5 is not > 0.5; the third brings 0.75 and fires.
        assert_eq!(fires(0.5, &[0.25, 0.25, 0.25]), [false, false, true]);
        assert_eq!(fires(0.5, &[-0.25, -0.25, -0.25]), [false, false, true]);
    }

    #[test]
    fn update_resets_the_sum_that_fired() {
        // Fires at 0.75, resets to 0; then 0.25 + 0.25 = 0.5 waits until 0.75 again.
        assert_eq!(fires(0.5, &[0.75, 0.25, 0.25, 0.25]), [true, false, false, true]);
    }

    #[test]
    fn update_floors_the_positive_sum_at_zero() {
        // -1 fires the negative side (reset to 0) and floors s_pos at 0, so 0.5 alone is not > 0.5.
        assert_eq!(fires(0.5, &[-1.0, 0.5, 0.125]), [true, false, true]);
    }

    #[test]
    fn update_leaves_both_sums_at_zero_after_any_event() {
        // A fixed xorshift: returns of both signs, some large enough to fire at once.
        let mut state: u64 = 0x0DDB_1A5E_5BAD_5EED;
        let mut cusum = Cusum::new(0.01);
        let mut events = 0;
        for _ in 0..100_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let ret = ((state >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 0.02;
            if cusum.update(ret) {
                events += 1;
                assert_eq!((cusum.pos, cusum.neg), (0.0, 0.0), "after return {ret}");
            }
            assert!(cusum.pos - cusum.neg <= 0.01 + 1e-15, "rounding aside, the invariant holds");
        }
        assert!(events > 1000, "{events} events: the walk must exercise the filter");
    }

    #[test]
    fn update_of_zero_returns_never_fires() {
        assert!(fires(1e-12, &[0.0; 100]).iter().all(|fired| !fired));
    }
}
