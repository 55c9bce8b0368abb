//! The unit of work's window as a plain value.

/// An inclusive window, `start <= ts <= end`, in µs since the Unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// First instant of the window, included.
    pub start: i64,
    /// Last instant of the window, included.
    pub end: i64,
}

impl Window {
    /// Whether `ts` lies in the window, both ends included.
    pub fn contains(&self, ts: i64) -> bool {
        self.start <= ts && ts <= self.end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contains_includes_both_ends() {
        let window = Window { start: 10, end: 20 };
        assert!(window.contains(10) && window.contains(20));
        assert!(!window.contains(9) && !window.contains(21));
    }
}
