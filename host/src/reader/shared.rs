//! One read of a series, served to several plugins at once: the unit of a job is a symbol over a
//! window for all of its plugins, and their reads of that symbol's own series share one stream.
//!
//! [`SharedSeries::new`] takes the plugins' count; each plugin reads through its own
//! [`SharedReader`] (a [`MarketDataReader`]). A plugin's first page of the series registers what it
//! reads (fields, span); once every plugin has registered or finished, one producer reads the union
//! (every field any of them asked for, from the earliest start to the latest end) in keyset pages
//! and hands each batch to every plugin still reading, through a queue of [`QUEUED_BATCHES`]. So
//! the database is read once per unit whatever the number of plugins, and memory stays bounded by
//! the batches queued, not by the window. A plugin that registers later than [`JOIN_WINDOW`] after
//! the first, or lags [`LAG_LIMIT`] behind the stream, reads from the source instead: plugins never
//! wait on each other for longer than that.
//!
//! Each plugin's pages are cut from the shared batches: rows after its `after`, within its span,
//! only its fields — the same answer as [`MarketDataReader::page`] over the source. A read the
//! stream cannot serve (another series, a field or start outside the union, a page before what the
//! plugin has already read past) goes to the source directly, and that plugin leaves the stream:
//! slower, never different. A plugin that finishes leaves it too, so none waits on another that is
//! done.

use std::collections::VecDeque;
use std::num::NonZeroUsize;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use super::{MarketDataReader, RangeRequest, SymbolBars};
use crate::domain::{
    Availability, AvailabilityEntry, BarColumns, Fields, LatestBar, ReadError, Symbol, SymbolSet, TimeRange,
    Timeframe, Timestamp,
};

/// Batches queued per plugin ahead of its reads: the producer reads one while each plugin works
/// through the last.
pub const QUEUED_BATCHES: usize = 2;

/// How long after the first plugin asks for the series the others may join the stream: plugins of
/// a unit start together and read within milliseconds; one that starts reading later (after a long
/// computation, or a slow start) reads from the source, so nobody waits for it.
pub const JOIN_WINDOW: Duration = Duration::from_millis(100);

/// How long the stream waits for room in one plugin's queue before that plugin reads on its own:
/// a batch of 16,384 bars takes milliseconds to pass on even in Python.
pub const LAG_LIMIT: Duration = Duration::from_millis(250);

/// A batch of the union, or the source's failure (shared by every plugin: its whole chain is in
/// the log, each plugin gets [`ReadError::Unavailable`] with its text).
type Batch = Result<Arc<BarColumns>, Arc<str>>;

/// What one plugin asked of the series, or that it is done with it.
#[derive(Debug, Clone, Copy)]
enum Registration {
    Waiting,
    Reads { fields: Fields, range: TimeRange },
    Done,
}

#[derive(Debug)]
struct Hub {
    registrations: Vec<Registration>,
    /// The producer's queues, once it knows what to read; `None` for a plugin that has left.
    senders: Vec<Option<SyncSender<Batch>>>,
    receivers: Vec<Option<Receiver<Batch>>>,
    /// When the first plugin registered: the join window runs from it.
    first_registration: Option<Instant>,
    /// The union is fixed: later registrations read from the source.
    closed: bool,
}

/// The stream of one series for the plugins of one unit.
pub struct SharedSeries {
    source: Arc<dyn MarketDataReader>,
    symbol: Symbol,
    timeframe: Timeframe,
    batch_rows: NonZeroUsize,
    hub: Mutex<Hub>,
    ready: Condvar,
}

impl std::fmt::Debug for SharedSeries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedSeries")
            .field("symbol", &self.symbol)
            .field("timeframe", &self.timeframe)
            .field("batch_rows", &self.batch_rows)
            .finish_non_exhaustive()
    }
}

impl SharedSeries {
    /// A stream of `symbol` at `timeframe` from `source` for `plugins` readers, read in batches of
    /// `batch_rows`.
    pub fn new(
        source: Arc<dyn MarketDataReader>,
        symbol: Symbol,
        timeframe: Timeframe,
        plugins: usize,
        batch_rows: NonZeroUsize,
    ) -> Arc<SharedSeries> {
        let (senders, receivers) = (0..plugins)
            .map(|_| {
                let (tx, rx) = sync_channel(QUEUED_BATCHES);
                (Some(tx), Some(rx))
            })
            .unzip();
        Arc::new(SharedSeries {
            source,
            symbol,
            timeframe,
            batch_rows,
            hub: Mutex::new(Hub {
                registrations: vec![Registration::Waiting; plugins],
                senders,
                receivers,
                first_registration: None,
                closed: false,
            }),
            ready: Condvar::new(),
        })
    }

    /// Plugin `index`'s reader: the stream for its own series, the source for the rest.
    pub fn reader(self: &Arc<Self>, index: usize) -> SharedReader {
        SharedReader { series: Arc::clone(self), index, state: Mutex::new(Consumer::Unstarted) }
    }

    /// Reads the union and hands every batch to each plugin still reading; returns when the
    /// union is read, when no plugin reads any more, or when no plugin reads the series at all.
    /// Runs on a thread of its own beside the plugins'.
    pub fn produce(&self) {
        let Some((union, mut senders)) = self.await_union() else {
            return;
        };
        let mut after = None;
        loop {
            let batch = self.source.page(&union, after, self.batch_rows).map(Arc::new).map_err(|err| {
                let chain: Arc<str> = crate::domain::error_chain(&err).into();
                tracing::error!(symbol = %self.symbol, timeframe = %self.timeframe, error = %chain, "shared read failed");
                chain
            });
            let last = batch.as_ref().ok().and_then(|b| b.ts.last().copied());
            let full = batch.as_ref().is_ok_and(|b| b.ts.len() == self.batch_rows.get());
            let failed = batch.is_err();
            for sender in &mut senders {
                if let Some(tx) = sender
                    && !hand_over(tx, &batch)
                {
                    *sender = None;
                }
            }
            if failed || !full || senders.iter().all(Option::is_none) {
                return;
            }
            after = last.map(Timestamp::from_micros);
        }
    }

    /// Waits until every plugin has registered or finished, or [`JOIN_WINDOW`] after the first
    /// registration; then fixes the union of those registered (the later ones read from the
    /// source) and takes their queues. `None` when no plugin reads the series.
    fn await_union(&self) -> Option<(RangeRequest, Vec<Option<SyncSender<Batch>>>)> {
        let mut hub = self.hub.lock().expect("no panic holding the hub");
        loop {
            let all_known = hub.registrations.iter().all(|r| !matches!(r, Registration::Waiting));
            let closed = hub.first_registration.is_some_and(|first| first.elapsed() >= JOIN_WINDOW);
            if all_known || closed {
                break;
            }
            hub = match hub.first_registration {
                None => self.ready.wait(hub).expect("no panic holding the hub"),
                Some(first) => {
                    let left = JOIN_WINDOW.saturating_sub(first.elapsed());
                    self.ready.wait_timeout(hub, left).expect("no panic holding the hub").0
                }
            };
        }
        hub.closed = true;
        let reads = hub.registrations.iter().filter_map(|r| match r {
            Registration::Reads { fields, range } => Some((*fields, *range)),
            _ => None,
        });
        let (fields, range) = reads.reduce(|(fa, ra), (fb, rb)| {
            let range = TimeRange::new(ra.start().min(rb.start()), ra.end().max(rb.end()))
                .expect("the union of two ranges is a range");
            (fa | fb, range)
        })?;
        let union = RangeRequest { symbol: self.symbol.clone(), timeframe: self.timeframe, range, fields };
        let registrations = hub.registrations.clone();
        let senders = hub
            .senders
            .iter_mut()
            .zip(registrations)
            .map(|(sender, registration)| {
                sender.take().filter(|_| matches!(registration, Registration::Reads { .. }))
            })
            .collect();
        Some((union, senders))
    }

    /// Records plugin `index`'s registration and wakes the producer. Returns its queue when it
    /// reads from the stream: not once the union is fixed without it.
    fn register(&self, index: usize, registration: Registration) -> Option<Receiver<Batch>> {
        let mut hub = self.hub.lock().expect("no panic holding the hub");
        if hub.closed {
            hub.receivers[index] = None;
            return None;
        }
        hub.registrations[index] = registration;
        let receiver = match registration {
            Registration::Reads { .. } => {
                hub.first_registration.get_or_insert_with(Instant::now);
                hub.receivers[index].take()
            }
            _ => {
                hub.receivers[index] = None;
                None
            }
        };
        self.ready.notify_all();
        receiver
    }
}

/// Gives `batch` to one plugin's queue, waiting at most [`LAG_LIMIT`] for room. `false` when the
/// plugin has left, or lags so far behind that it must read on its own: the others do not wait
/// for a plugin that stopped reading (one in an endless loop, or computing for long between
/// batches).
fn hand_over(queue: &SyncSender<Batch>, batch: &Batch) -> bool {
    let started = Instant::now();
    let mut batch = batch.clone();
    loop {
        match queue.try_send(batch) {
            Ok(()) => return true,
            Err(TrySendError::Disconnected(_)) => return false,
            Err(TrySendError::Full(back)) if started.elapsed() < LAG_LIMIT => {
                batch = back;
                std::thread::sleep(Duration::from_micros(200));
            }
            Err(TrySendError::Full(_)) => return false,
        }
    }
}

/// Where one plugin stands with the stream.
#[derive(Debug)]
enum Consumer {
    /// It has not read the series yet.
    Unstarted,
    /// It reads from the stream: its queue, the batches received and not yet passed on, and what
    /// the stream holds for it (fields, span).
    Streaming {
        queue: Receiver<Batch>,
        buffer: VecDeque<Arc<BarColumns>>,
        /// Rows of the front batch already passed on or skipped.
        offset: usize,
        /// The last timestamp passed on or skipped: the stream cannot go back before it.
        passed: Option<i64>,
        /// The stream has nothing more.
        ended: bool,
        fields: Fields,
        range: TimeRange,
    },
    /// It reads from the source directly.
    Direct,
}

/// One plugin's reader over a [`SharedSeries`]: every operation but the own series' pages goes to
/// the source.
#[derive(Debug)]
pub struct SharedReader {
    series: Arc<SharedSeries>,
    index: usize,
    state: Mutex<Consumer>,
}

impl SharedReader {
    /// The plugin is done: it leaves the stream (and, if it never read, lets the union form).
    pub fn finish(&self) {
        let mut state = self.state.lock().expect("no panic holding the state");
        if matches!(*state, Consumer::Unstarted) {
            self.series.register(self.index, Registration::Done);
        }
        *state = Consumer::Direct;
    }

    fn source(&self) -> &dyn MarketDataReader {
        &*self.series.source
    }

    /// The page from the stream, or `None` when the stream cannot serve it (the caller asks the
    /// source, and this plugin leaves the stream).
    fn streamed(
        &self,
        state: &mut Consumer,
        request: &RangeRequest,
        after: Option<Timestamp>,
        limit: NonZeroUsize,
    ) -> Option<Result<BarColumns, ReadError>> {
        if let Consumer::Unstarted = state {
            let queue = self
                .series
                .register(self.index, Registration::Reads { fields: request.fields, range: request.range })?;
            *state = Consumer::Streaming {
                queue,
                buffer: VecDeque::new(),
                offset: 0,
                passed: None,
                ended: false,
                fields: request.fields,
                range: request.range,
            };
        }
        let Consumer::Streaming { queue, buffer, offset, passed, ended, fields, range } = state else {
            return None;
        };
        // The stream serves what it reads, moving forward only.
        let lower = after.map_or(request.range.start().as_micros(), |a| a.as_micros().saturating_add(1));
        if !fields.contains(request.fields)
            || request.range.start() < range.start()
            || passed.is_some_and(|passed| lower <= passed)
        {
            return None;
        }
        let end = request.range.end().as_micros();
        let mut page =
            BarColumns::with_capacity(request.fields, limit.get().min(self.series.batch_rows.get()));
        loop {
            while let Some(batch) = buffer.front() {
                while *offset < batch.ts.len() {
                    let ts = batch.ts[*offset];
                    if ts > end || page.len() == limit.get() {
                        return Some(Ok(page));
                    }
                    if ts >= lower {
                        push_row(&mut page, batch, *offset, request.fields);
                    }
                    *passed = Some(ts);
                    *offset += 1;
                }
                buffer.pop_front();
                *offset = 0;
            }
            if *ended {
                return Some(Ok(page));
            }
            match queue.recv() {
                Ok(Ok(batch)) => {
                    *ended = batch.ts.len() < self.series.batch_rows.get();
                    if !batch.ts.is_empty() {
                        buffer.push_back(batch);
                    }
                }
                Ok(Err(chain)) => return Some(Err(ReadError::Unavailable(chain.to_string().into()))),
                // The stream let this plugin go (it lagged) before its end: the source serves it.
                Err(_) => return None,
            }
        }
    }
}

fn push_row(page: &mut BarColumns, batch: &BarColumns, row: usize, fields: Fields) {
    page.ts.push(batch.ts[row]);
    if fields.contains(Fields::OPEN) {
        page.open.push(batch.open[row]);
    }
    if fields.contains(Fields::HIGH) {
        page.high.push(batch.high[row]);
    }
    if fields.contains(Fields::LOW) {
        page.low.push(batch.low[row]);
    }
    if fields.contains(Fields::CLOSE) {
        page.close.push(batch.close[row]);
    }
    if fields.contains(Fields::VOLUME) {
        page.volume.push(batch.volume[row]);
    }
}

impl MarketDataReader for SharedReader {
    fn range(&self, request: &RangeRequest) -> Result<BarColumns, ReadError> {
        self.source().range(request)
    }

    fn multi_range(
        &self,
        symbols: &SymbolSet,
        timeframe: Timeframe,
        range: TimeRange,
        fields: Fields,
    ) -> Result<Vec<SymbolBars>, ReadError> {
        self.source().multi_range(symbols, timeframe, range, fields)
    }

    fn latest(
        &self,
        symbols: &SymbolSet,
        timeframe: Timeframe,
        as_of: Timestamp,
    ) -> Result<Vec<LatestBar>, ReadError> {
        self.source().latest(symbols, timeframe, as_of)
    }

    fn availability(
        &self,
        symbol: &Symbol,
        timeframe: Timeframe,
        range: TimeRange,
    ) -> Result<Availability, ReadError> {
        self.source().availability(symbol, timeframe, range)
    }

    fn timeframes(&self, symbol: &Symbol) -> Result<Vec<Timeframe>, ReadError> {
        self.source().timeframes(symbol)
    }

    fn summary(&self) -> Result<Vec<AvailabilityEntry>, ReadError> {
        self.source().summary()
    }

    fn bar_before(
        &self,
        symbol: &Symbol,
        timeframe: Timeframe,
        before: Timestamp,
        bars_back: NonZeroUsize,
    ) -> Result<Option<Timestamp>, ReadError> {
        self.source().bar_before(symbol, timeframe, before, bars_back)
    }

    fn page(
        &self,
        request: &RangeRequest,
        after: Option<Timestamp>,
        limit: NonZeroUsize,
    ) -> Result<BarColumns, ReadError> {
        if request.symbol == self.series.symbol && request.timeframe == self.series.timeframe {
            let mut state = self.state.lock().expect("no panic holding the state");
            if let Some(page) = self.streamed(&mut state, request, after, limit) {
                return page;
            }
            // Leaving the stream: register as done if never started, drop the queue.
            if matches!(*state, Consumer::Unstarted) {
                self.series.register(self.index, Registration::Done);
            }
            *state = Consumer::Direct;
        }
        self.source().page(request, after, limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Bar;
    use crate::reader::{MemoryMarketDataReader, PageSpy, RangeCursor};

    const H: i64 = 3_600_000_000;

    /// `bars` hourly AAA bars from the epoch, every price and the volume derived from the index.
    fn source(bars: i64) -> Arc<PageSpy> {
        let bar = |i: i64| Bar {
            ts: Timestamp::from_micros(i * H),
            open: i as f64,
            high: i as f64 + 0.5,
            low: i as f64 - 0.5,
            close: i as f64 + 0.25,
            volume: i,
        };
        Arc::new(PageSpy::new(MemoryMarketDataReader::from_stored_rows(
            (0..bars).map(|i| ("AAA", "1h", bar(i))),
        )))
    }

    fn request(fields: Fields, start: i64, end: i64) -> RangeRequest {
        RangeRequest {
            symbol: Symbol::new("AAA").unwrap(),
            timeframe: Timeframe::Hour1,
            range: TimeRange::new(Timestamp::from_micros(start * H), Timestamp::from_micros(end * H))
                .unwrap(),
            fields,
        }
    }

    /// Every batch of a cursor over `reader`, joined.
    fn drain(reader: &dyn MarketDataReader, request: RangeRequest, batch: usize) -> BarColumns {
        let mut cursor = RangeCursor::new(request, batch).unwrap();
        let mut all = BarColumns::default();
        while let Some(b) = cursor.next_batch(reader).unwrap() {
            all.ts.extend(b.ts);
            all.open.extend(b.open);
            all.high.extend(b.high);
            all.low.extend(b.low);
            all.close.extend(b.close);
            all.volume.extend(b.volume);
        }
        all
    }

    /// Three plugins reading different fields, spans and batch sizes each get exactly what the
    /// source gives them alone, from one stream read in 10 pages of 10 (plus the empty last).
    #[test]
    fn plugins_get_what_the_source_would_give_from_one_read() {
        let source = source(100);
        let series = SharedSeries::new(
            source.clone(),
            Symbol::new("AAA").unwrap(),
            Timeframe::Hour1,
            3,
            NonZeroUsize::new(10).unwrap(),
        );
        let asks = [
            (request(Fields::CLOSE, 0, 99), 7),
            (request(Fields::CLOSE | Fields::HIGH, 20, 99), 16),
            (request(Fields::ALL, 5, 60), 1_000),
        ];
        let got: Vec<BarColumns> = std::thread::scope(|scope| {
            scope.spawn(|| series.produce());
            let handles: Vec<_> = asks
                .iter()
                .enumerate()
                .map(|(i, (request, batch))| {
                    let reader = series.reader(i);
                    scope.spawn(move || {
                        let got = drain(&reader, request.clone(), *batch);
                        reader.finish();
                        got
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let streamed_pages = source.take_pages();
        for ((request, batch), got) in asks.iter().zip(&got) {
            assert_eq!(*got, drain(&*source, request.clone(), *batch), "{request:?}");
        }
        assert_eq!(streamed_pages, 11, "the union read once: 10 full pages and an empty one");
    }

    /// A plugin that reads the series twice leaves the stream for the source; the other plugin is
    /// not held up, and both get what the source gives.
    #[test]
    fn a_second_pass_goes_to_the_source_and_nobody_waits() {
        let source = source(50);
        let series = SharedSeries::new(
            source.clone(),
            Symbol::new("AAA").unwrap(),
            Timeframe::Hour1,
            2,
            NonZeroUsize::new(8).unwrap(),
        );
        let whole = request(Fields::CLOSE, 0, 49);
        let expected = drain(&*source, whole.clone(), 8);
        std::thread::scope(|scope| {
            scope.spawn(|| series.produce());
            let twice = series.reader(0);
            let once = series.reader(1);
            let (w1, w2) = (whole.clone(), whole.clone());
            let a = scope.spawn(move || {
                let first = drain(&twice, w1.clone(), 8);
                let second = drain(&twice, w1, 8);
                twice.finish();
                (first, second)
            });
            let b = scope.spawn(move || {
                let got = drain(&once, w2, 5);
                once.finish();
                got
            });
            let (first, second) = a.join().unwrap();
            assert_eq!(first, expected);
            assert_eq!(second, expected);
            assert_eq!(b.join().unwrap(), expected);
        });
    }

    /// Plugins that never read the series let the others' union form without them.
    #[test]
    fn a_plugin_that_never_reads_the_series_does_not_hold_the_others() {
        let source = source(30);
        let series = SharedSeries::new(
            source.clone(),
            Symbol::new("AAA").unwrap(),
            Timeframe::Hour1,
            2,
            NonZeroUsize::new(8).unwrap(),
        );
        std::thread::scope(|scope| {
            scope.spawn(|| series.produce());
            let idle = series.reader(0);
            let busy = series.reader(1);
            scope.spawn(move || idle.finish());
            let got = scope
                .spawn(move || {
                    let got = drain(&busy, request(Fields::VOLUME, 0, 29), 4);
                    busy.finish();
                    got
                })
                .join()
                .unwrap();
            assert_eq!(got.volume, (0..30).collect::<Vec<i64>>());
            assert!(got.close.is_empty(), "only the fields asked for");
        });
    }

    /// A plugin that stops reading mid-stream (an endless loop, a long computation) holds nobody
    /// up: the other finishes while it is stopped, and it still gets what the source holds when
    /// it reads on.
    #[test]
    fn a_plugin_that_stops_reading_does_not_hold_the_others() {
        let source = source(200);
        let series = SharedSeries::new(
            source.clone(),
            Symbol::new("AAA").unwrap(),
            Timeframe::Hour1,
            2,
            NonZeroUsize::new(10).unwrap(),
        );
        let whole = request(Fields::CLOSE, 0, 199);
        let expected = drain(&*source, whole.clone(), 10);
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        std::thread::scope(|scope| {
            scope.spawn(|| series.produce());
            let stopper = series.reader(0);
            let runner = series.reader(1);
            let (w1, w2) = (whole.clone(), whole.clone());
            let stopped = scope.spawn(move || {
                let mut cursor = RangeCursor::new(w1, 10).unwrap();
                let mut got = cursor.next_batch(&stopper).unwrap().unwrap().close;
                // Stopped until the other has read everything: were it waiting on this one, it
                // would never finish, and this would fail after 60 s instead of hanging.
                done_rx.recv_timeout(std::time::Duration::from_secs(60)).expect("the other plugin finished");
                while let Some(batch) = cursor.next_batch(&stopper).unwrap() {
                    got.extend(batch.close);
                }
                stopper.finish();
                got
            });
            let got = drain(&runner, w2, 10);
            runner.finish();
            done_tx.send(()).unwrap();
            assert_eq!(got, expected);
            assert_eq!(stopped.join().unwrap(), expected.close);
        });
    }

    /// A plugin that asks for the series after the others' stream has started reads from the
    /// source, with the same answer.
    #[test]
    fn a_late_plugin_reads_from_the_source() {
        let source = source(40);
        let series = SharedSeries::new(
            source.clone(),
            Symbol::new("AAA").unwrap(),
            Timeframe::Hour1,
            2,
            NonZeroUsize::new(10).unwrap(),
        );
        let whole = request(Fields::ALL, 0, 39);
        let expected = drain(&*source, whole.clone(), 7);
        std::thread::scope(|scope| {
            scope.spawn(|| series.produce());
            let early = series.reader(0);
            let late = series.reader(1);
            assert_eq!(drain(&early, whole.clone(), 7), expected);
            early.finish();
            std::thread::sleep(JOIN_WINDOW * 2);
            assert_eq!(drain(&late, whole.clone(), 7), expected);
            late.finish();
        });
    }
}
