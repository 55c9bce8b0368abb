//! [`View`]: a column as the host holds it for a plugin (`wit/columns.wit`): shared, immutable
//! values and the range of them it shows. The host's `columns.column` and `columns.timestamps`
//! are views, and so is `guest_support::columns::Column` in a native build, so a plugin's own
//! tests and the benchmark's native baseline slice and hand over columns as the host does.

use std::ops::Range;
use std::sync::Arc;

/// `values[range]` of values other views may share.
#[derive(Debug, Clone)]
pub struct View<T> {
    values: Arc<Vec<T>>,
    range: Range<usize>,
}

impl<T: Clone> View<T> {
    /// A view of all of `values`.
    pub fn new(values: Vec<T>) -> View<T> {
        View { range: 0..values.len(), values: Arc::new(values) }
    }

    /// The values it shows.
    pub fn as_slice(&self) -> &[T] {
        &self.values[self.range.clone()]
    }

    /// How many values it shows.
    pub fn len(&self) -> usize {
        self.range.len()
    }

    /// Whether it shows none.
    pub fn is_empty(&self) -> bool {
        self.range.is_empty()
    }

    /// Values `start..end` of this view, each bound clamped to `0..=len` as Python slices (an
    /// `end` at or before `start` is empty): another view of the same values, no copy.
    pub fn slice(&self, start: usize, end: usize) -> View<T> {
        let len = self.len();
        let start = start.min(len);
        let end = end.clamp(start, len);
        View { values: Arc::clone(&self.values), range: self.range.start + start..self.range.start + end }
    }

    /// The values it shows, moved out when no other view shares them (cut to the range in place
    /// when it is a part), else copied; and how many values that frees: all of them when this was
    /// their last view, 0 while another still holds them.
    pub fn into_vec(self) -> (Vec<T>, usize) {
        let View { values, range } = self;
        match Arc::try_unwrap(values) {
            Ok(mut values) => {
                let freed = values.len();
                if range.len() != values.len() {
                    values.truncate(range.end);
                    values.drain(..range.start);
                }
                (values, freed)
            }
            Err(shared) => (shared[range].to_vec(), 0),
        }
    }

    /// Drops this view: how many values that frees (all of them when it was their last view).
    pub fn release(self) -> usize {
        Arc::into_inner(self.values).map_or(0, |values| values.len())
    }

    /// Whether two views show parts of the same values.
    pub fn shares_with(&self, other: &View<T>) -> bool {
        Arc::ptr_eq(&self.values, &other.values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(n: usize) -> View<f64> {
        View::new((0..n).map(|i| i as f64).collect())
    }

    #[test]
    fn a_slice_clamps_its_bounds_as_python_does_and_shares_the_values() {
        let column = view(5);
        assert_eq!(column.slice(1, 3).as_slice(), [1.0, 2.0]);
        assert_eq!(column.slice(3, 100).as_slice(), [3.0, 4.0]);
        assert!(column.slice(4, 2).is_empty());
        assert!(column.slice(9, 10).is_empty());
        // A slice of a slice is relative to it.
        assert_eq!(column.slice(1, 5).slice(1, 2).as_slice(), [2.0]);
        assert!(column.shares_with(&column.slice(1, 3)));
    }

    #[test]
    fn a_whole_unshared_view_moves_out_without_a_copy_and_frees_its_values() {
        let column = view(4);
        let address = column.as_slice().as_ptr();
        let (values, freed) = column.into_vec();
        assert_eq!(values, [0.0, 1.0, 2.0, 3.0]);
        assert_eq!(values.as_ptr(), address, "the same allocation");
        assert_eq!(freed, 4);
    }

    #[test]
    fn a_shared_view_is_copied_out_and_frees_nothing_until_the_last_view_goes() {
        let column = view(4);
        let (values, freed) = column.slice(2, 4).into_vec();
        assert_eq!((values, freed), (vec![2.0, 3.0], 0));
        let (values, freed) = column.slice(1, 3).into_vec();
        assert_eq!((values, freed), (vec![1.0, 2.0], 0));
        assert_eq!(column.release(), 4);
    }

    #[test]
    fn the_last_view_moved_out_as_a_slice_frees_the_whole_allocation() {
        let column = view(6);
        let tail = column.slice(2, 5);
        assert_eq!(column.release(), 0, "the tail still holds the values");
        let (values, freed) = tail.into_vec();
        assert_eq!(values, [2.0, 3.0, 4.0]);
        assert_eq!(freed, 6);
    }
}
