//! Streamed range reads: keyset paging in bounded memory.
//!
//! A cursor holds no borrow of its reader: it remembers the request and the last timestamp it
//! returned, and each batch is one `ts > last` page. So a cursor can live anywhere (a Wasm resource
//! table, a thread) while memory stays at one batch, whatever the window's length.

use std::num::NonZeroUsize;

use crate::domain::{BarColumns, InvalidArgument, ReadError, TimeRange, Timestamp};

use super::{MarketDataReader, RangeRequest};

/// Where a streamed range read stands.
#[derive(Debug, Clone)]
pub struct RangeCursor {
    request: RangeRequest,
    batch_rows: NonZeroUsize,
    after: Option<Timestamp>,
    done: bool,
}

impl RangeCursor {
    /// A cursor over `request` yielding batches of at most `batch_rows` bars; 0 is rejected.
    pub fn new(request: RangeRequest, batch_rows: usize) -> Result<Self, InvalidArgument> {
        let batch_rows = NonZeroUsize::new(batch_rows)
            .ok_or_else(|| InvalidArgument::new("page size 0 (expected at least 1 row per batch)"))?;
        Ok(RangeCursor { request, batch_rows, after: None, done: false })
    }

    pub fn request(&self) -> &RangeRequest {
        &self.request
    }

    /// The most bars one batch holds.
    pub fn batch_rows(&self) -> usize {
        self.batch_rows.get()
    }

    /// The part of the window not returned yet, or `None` once the cursor is done: what a
    /// caller counts to know how large the rest is before fetching it.
    pub fn unread(&self) -> Option<TimeRange> {
        if self.done {
            return None;
        }
        let start = match self.after {
            None => self.request.range.start(),
            Some(after) => Timestamp::from_micros(after.as_micros().checked_add(1)?),
        };
        TimeRange::new(start, self.request.range.end()).ok()
    }

    /// The next batch, or `None` once the window is exhausted.
    pub fn next_batch(
        &mut self,
        reader: &(impl MarketDataReader + ?Sized),
    ) -> Result<Option<BarColumns>, ReadError> {
        if self.done {
            return Ok(None);
        }
        let batch = reader.page(&self.request, self.after, self.batch_rows)?;
        // A short page is the last one: this saves the empty round trip that would confirm it.
        self.done = batch.len() < self.batch_rows.get();
        match batch.ts.last() {
            Some(&last) => {
                self.after = Some(Timestamp::from_micros(last));
                Ok(Some(batch))
            }
            None => Ok(None),
        }
    }
}

/// A [`RangeCursor`] bound to its reader, as an iterator of batches.
#[derive(Debug)]
pub struct RangeStream<'r, R: ?Sized> {
    reader: &'r R,
    cursor: RangeCursor,
}

impl<'r, R: MarketDataReader + ?Sized> RangeStream<'r, R> {
    pub fn new(reader: &'r R, cursor: RangeCursor) -> Self {
        RangeStream { reader, cursor }
    }
}

impl<R: MarketDataReader + ?Sized> Iterator for RangeStream<'_, R> {
    type Item = Result<BarColumns, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.cursor.next_batch(self.reader).transpose()
    }
}
