//! Columns held by the host (`wit/columns.wit`): the kernels of [`kernels`](crate::kernels) as
//! methods of a [`Column`] whose values stay in the host, so a plugin's reads, kernels and output
//! never copy a value into its own memory.
//!
//! ```no_run
//! use guest_support::columns::Column;
//! use guest_support::kernels::{Deviation, KernelError};
//! # fn f(close: Column) -> Result<(), KernelError> {
//! let rsi = close.rsi(14)?;
//! let volatility = close.log_return(1)?.rolling_std(20, Deviation::Sample)?;
//! let last_year = volatility.slice(close.len() - 250, close.len());
//! # Ok(()) }
//! ```
//!
//! Every method is the [`kernels`](crate::kernels) function of its name over this column: the same
//! values, bit for bit, look-backs and NaN warm-up. A column read by the plugin's glue
//! (`read_series`, [`columns_glue!`](crate::columns_glue)) and handed back in a [`ColumnTable`]
//! (`columnar_table_to_wit`) is never copied into the plugin.
//!
//! In a plugin built for `wasm32` a [`Column`] is a handle to the host's `columns.column`;
//! built natively (the plugin's own `cargo test`, the job benchmark's native baseline) it holds its
//! values and calls the same `candlewick-kernels` crate in-process.

use crate::kernels::{Deviation, KernelError};

/// The arithmetic of [`Column::combine`], element by element, IEEE 754's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// x + y.
    Add,
    /// x − y.
    Subtract,
    /// x × y.
    Multiply,
    /// x / y.
    Divide,
}

/// MACD's three lines, each as long as the input.
#[derive(Debug)]
pub struct MacdColumns {
    /// Fast EMA − slow EMA.
    pub macd: Column,
    /// EMA of `macd` over the signal period.
    pub signal: Column,
    /// `macd` − `signal`.
    pub hist: Column,
}

/// Bollinger Bands, each as long as the input.
#[derive(Debug)]
pub struct BandColumns {
    /// `middle` + deviations up × the window's population standard deviation.
    pub upper: Column,
    /// The window's simple moving average.
    pub middle: Column,
    /// `middle` − deviations down × that deviation.
    pub lower: Column,
}

/// A series' bars as columns: the reader's `series` read.
#[derive(Debug)]
pub struct Series {
    /// Bar open times, ascending.
    pub ts: Timestamps,
    /// Opening prices; empty unless asked for, like every value column.
    pub open: Column,
    /// Highest prices.
    pub high: Column,
    /// Lowest prices.
    pub low: Column,
    /// Closing prices.
    pub close: Column,
    /// Traded quantities as reals (exact to 2^53).
    pub volume: Column,
}

/// A table of columns: row times and named columns of the same length, what a columnar world's
/// plugin returns (`columnar_table_to_wit` of [`columns_glue!`](crate::columns_glue)).
#[derive(Debug)]
pub struct ColumnTable {
    /// Row times, strictly ascending.
    pub ts: Timestamps,
    /// The output columns, by name.
    pub columns: Vec<(&'static str, Column)>,
}

/// The one-column kernels, by name and arguments: each is a method of [`Column`] in both builds.
macro_rules! one_column_kernels {
    ($call:ident) => {
        $call! {
            /// Sum of the window of `period` values (TA-Lib `SUM`).
            rolling_sum(period: u32);
            /// Mean of the window: the simple moving average (TA-Lib `SMA`).
            rolling_mean(period: u32);
            /// Variance of the window.
            rolling_var(period: u32, deviation: Deviation);
            /// Standard deviation of the window.
            rolling_std(period: u32, deviation: Deviation);
            /// Lowest value of the window (TA-Lib `MIN`).
            rolling_min(period: u32);
            /// Highest value of the window (TA-Lib `MAX`).
            rolling_max(period: u32);
            /// Index of the window's lowest value (TA-Lib `MININDEX`).
            rolling_argmin(period: u32);
            /// Index of the window's highest value (TA-Lib `MAXINDEX`).
            rolling_argmax(period: u32);
            /// Rank of the current value within its window (pandas' average rank).
            rolling_rank(period: u32);
            /// Z-score of the current value within its window.
            zscore(period: u32, deviation: Deviation);
            /// Exponential moving average (TA-Lib `EMA`).
            ema(period: u32);
            /// Wilder's smoothing.
            wilder(period: u32);
            /// Wilder's RSI (TA-Lib `RSI`, C TA-Lib's 0 on a flat start).
            rsi(period: u32);
            /// ln(x[t] / x[t − lag]).
            log_return(lag: u32);
            /// (x[t] − x[t − lag]) / x[t − lag] (TA-Lib `ROCP`).
            pct_change(lag: u32);
            /// x[t] − x[t − lag] (TA-Lib `MOM`).
            diff(lag: u32);
            /// x[t − lag].
            shift(lag: u32);
        }
    };
}

/// Expands, beside [`plugin_glue!`](crate::plugin_glue) in the same module and for the same
/// bindings (built for `wasm32`: the columns are the host's), the glue of host-held columns:
///
/// - `read_series`: the unit's own series read into columns the host holds (the reader's
///   `series`), as [`Series`];
/// - `columnar_table_to_wit`: a [`ColumnTable`] as a columnar world's `held-table`.
///
/// Each hands a handle over between the plugin's bindings of `columns` and this crate's.
#[macro_export]
macro_rules! columns_glue {
    ($($bindings:tt)+) => {
        use $($bindings)+::candlewick::market_data::columns as wit_columns;

        /// The unit's own series as columns held by the host (the reader's `series`), from its
        /// warm-up start (see `own_series_scope`) to `end` (µs, inclusive), with the fields the
        /// plan declared for it: one reader call, no value copied into the plugin. A reader
        /// error is passed on as `plugin-error::read`.
        pub fn read_series(
            unit: &wit::UnitOfWork,
            end: types::Timestamp,
        ) -> Result<$crate::columns::Series, wit::PluginError> {
            let (fields, start) = own_series_scope(unit)?;
            let series = reader::series(&unit.symbol, unit.timeframe, types::TimeRange { start, end }, fields)
                .map_err(wit::PluginError::Read)?;
            let column = |c: wit_columns::Column| {
                // SAFETY: an owned handle of the host's `columns.column`, taken from this
                // bindings' type and held by nothing else.
                #[allow(unsafe_code, reason = "a handle moved between two bindings of one import")]
                unsafe {
                    $crate::columns::Column::from_handle(c.take_handle())
                }
            };
            // SAFETY: as for each column.
            #[allow(unsafe_code, reason = "a handle moved between two bindings of one import")]
            let ts = unsafe { $crate::columns::Timestamps::from_handle(series.ts.take_handle()) };
            Ok($crate::columns::Series {
                ts,
                open: column(series.open),
                high: column(series.high),
                low: column(series.low),
                close: column(series.close),
                volume: column(series.volume),
            })
        }

        /// A table of host-held columns as a columnar world returns it: each handle handed over
        /// to the host, no value copied.
        pub fn columnar_table_to_wit(table: $crate::columns::ColumnTable) -> wit::HeldTable {
            // SAFETY: each handle is owned, taken from guest-support's binding of the same import
            // and held by nothing else.
            #[allow(unsafe_code, reason = "a handle moved between two bindings of one import")]
            let ts = unsafe { wit_columns::Timestamps::from_handle(table.ts.into_handle()) };
            let columns = table.columns.into_iter().map(|(name, column)| {
                #[allow(unsafe_code, reason = "a handle moved between two bindings of one import")]
                let held = unsafe { wit_columns::Column::from_handle(column.into_handle()) };
                wit::HeldColumn { name: name.into(), values: wit::HeldValues::Held(held) }
            });
            wit::HeldTable { ts: wit::HeldTimes::Held(ts), columns: columns.collect() }
        }
    };
}

pub use imp::{Column, Timestamps};

#[cfg(target_arch = "wasm32")]
mod imp {
    use super::{BandColumns, Deviation, KernelError, MacdColumns, Operator};

    mod bindings {
        wit_bindgen::generate!({
            inline: "
                package candlewick:guest-support;
                world columns {
                    import candlewick:market-data/columns@0.2.0;
                }
            ",
            path: "../../wit",
            world: "candlewick:guest-support/columns",
            generate_all,
        });
    }

    use bindings::candlewick::market_data::columns as wit;
    use bindings::candlewick::market_data::kernels as wit_kernels;

    fn error(err: wit_kernels::KernelError) -> KernelError {
        match err {
            wit_kernels::KernelError::InvalidArgument(message) => KernelError::InvalidArgument(message),
            wit_kernels::KernelError::TooLarge(limit) => {
                KernelError::TooLarge { what: limit.what, limit: limit.limit }
            }
        }
    }

    fn deviation(d: Deviation) -> wit_kernels::Deviation {
        match d {
            Deviation::Population => wit_kernels::Deviation::Population,
            Deviation::Sample => wit_kernels::Deviation::Sample,
        }
    }

    fn operator(op: Operator) -> wit::Operator {
        match op {
            Operator::Add => wit::Operator::Add,
            Operator::Subtract => wit::Operator::Subtract,
            Operator::Multiply => wit::Operator::Multiply,
            Operator::Divide => wit::Operator::Divide,
        }
    }

    /// Converts a method's argument to the WIT's type: a deviation, or a number as it is.
    trait Arg<T> {
        fn arg(self) -> T;
    }
    impl Arg<u32> for u32 {
        fn arg(self) -> u32 {
            self
        }
    }
    impl Arg<wit_kernels::Deviation> for Deviation {
        fn arg(self) -> wit_kernels::Deviation {
            deviation(self)
        }
    }

    /// A column held by the host: a handle to its `columns.column`.
    #[derive(Debug)]
    pub struct Column(wit::Column);

    macro_rules! methods {
        ($($(#[$doc:meta])* $name:ident($($arg:ident: $ty:ty),*);)*) => {
            $(
                $(#[$doc])*
                pub fn $name(&self, $($arg: $ty),*) -> Result<Column, KernelError> {
                    self.0.$name($($arg.arg()),*).map(Column).map_err(error)
                }
            )*
        };
    }

    impl Column {
        /// A column of `values`, copied into the host.
        pub fn new(values: &[f64]) -> Column {
            Column(wit::Column::new(values))
        }

        /// How many values it holds.
        pub fn len(&self) -> usize {
            self.0.len() as usize
        }

        /// Whether it holds none.
        pub fn is_empty(&self) -> bool {
            self.len() == 0
        }

        /// Its values, copied into the plugin.
        pub fn values(&self) -> Vec<f64> {
            self.0.values()
        }

        /// Values `start..end`, clamped as Python slices; shares the values.
        pub fn slice(&self, start: usize, end: usize) -> Column {
            Column(self.0.slice(clamp(start), clamp(end)))
        }

        /// This column `op` `other`, element by element.
        pub fn combine(&self, op: Operator, other: &Column) -> Result<Column, KernelError> {
            self.0.combine(operator(op), &other.0).map(Column).map_err(error)
        }

        /// This column `op` `value`, element by element.
        pub fn combine_scalar(&self, op: Operator, value: f64) -> Result<Column, KernelError> {
            self.0.combine_scalar(operator(op), value).map(Column).map_err(error)
        }

        one_column_kernels!(methods);

        /// Running sum from the first bar; a NaN is skipped.
        pub fn cumulative_sum(&self) -> Result<Column, KernelError> {
            self.0.cumulative_sum().map(Column).map_err(error)
        }

        /// MACD (TA-Lib `MACD`).
        pub fn macd(&self, fast: u32, slow: u32, signal: u32) -> Result<MacdColumns, KernelError> {
            self.0
                .macd(fast, slow, signal)
                .map(|l| MacdColumns { macd: Column(l.macd), signal: Column(l.signal), hist: Column(l.hist) })
                .map_err(error)
        }

        /// Bollinger Bands (TA-Lib `BBANDS`, SMA).
        pub fn bollinger(&self, period: u32, up: f64, down: f64) -> Result<BandColumns, KernelError> {
            self.0
                .bollinger(period, up, down)
                .map(|b| BandColumns {
                    upper: Column(b.upper),
                    middle: Column(b.middle),
                    lower: Column(b.lower),
                })
                .map_err(error)
        }

        /// True range (TA-Lib `TRANGE`).
        pub fn true_range(high: &Column, low: &Column, close: &Column) -> Result<Column, KernelError> {
            wit::Column::true_range(&high.0, &low.0, &close.0).map(Column).map_err(error)
        }

        /// Average true range (TA-Lib `ATR`).
        pub fn atr(high: &Column, low: &Column, close: &Column, period: u32) -> Result<Column, KernelError> {
            wit::Column::atr(&high.0, &low.0, &close.0, period).map(Column).map_err(error)
        }

        /// The host's handle, given up: for the plugin's glue, which hands it over in its own
        /// bindings' type.
        #[doc(hidden)]
        pub fn into_handle(self) -> u32 {
            self.0.take_handle()
        }

        /// A column from a handle the glue took from its own bindings' type.
        ///
        /// # Safety
        /// `handle` is an owned handle of a `columns.column` that nothing else holds.
        #[doc(hidden)]
        #[allow(unsafe_code, reason = "a handle moved between two bindings of one import")]
        pub unsafe fn from_handle(handle: u32) -> Column {
            // SAFETY: the caller hands over an owned handle of this resource type.
            Column(unsafe { wit::Column::from_handle(handle) })
        }
    }

    /// Bar times held by the host: a handle to its `columns.timestamps`.
    #[derive(Debug)]
    pub struct Timestamps(wit::Timestamps);

    impl Timestamps {
        /// How many it holds.
        pub fn len(&self) -> usize {
            self.0.len() as usize
        }

        /// Whether it holds none.
        pub fn is_empty(&self) -> bool {
            self.len() == 0
        }

        /// Its times (µs since the Unix epoch), copied into the plugin.
        pub fn values(&self) -> Vec<i64> {
            self.0.values()
        }

        /// Times `start..end`, clamped; shares the times.
        pub fn slice(&self, start: usize, end: usize) -> Timestamps {
            Timestamps(self.0.slice(clamp(start), clamp(end)))
        }

        /// The index of the first time at or after `t`.
        pub fn first_at_or_after(&self, t: i64) -> usize {
            self.0.first_at_or_after(t) as usize
        }

        /// The index just past the last time at or before `t`.
        pub fn end_at_or_before(&self, t: i64) -> usize {
            self.0.end_at_or_before(t) as usize
        }

        /// See [`Column::into_handle`].
        #[doc(hidden)]
        pub fn into_handle(self) -> u32 {
            self.0.take_handle()
        }

        /// See [`Column::from_handle`].
        ///
        /// # Safety
        /// `handle` is an owned handle of a `columns.timestamps` that nothing else holds.
        #[doc(hidden)]
        #[allow(unsafe_code, reason = "a handle moved between two bindings of one import")]
        pub unsafe fn from_handle(handle: u32) -> Timestamps {
            // SAFETY: the caller hands over an owned handle of this resource type.
            Timestamps(unsafe { wit::Timestamps::from_handle(handle) })
        }
    }

    /// An index as the contract's `u32`: a column never holds more (the host's memory limit is
    /// below 32 GiB), so larger is past the end.
    fn clamp(index: usize) -> u32 {
        u32::try_from(index).unwrap_or(u32::MAX)
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use super::{BandColumns, Deviation, KernelError, MacdColumns, Operator};
    use candlewick_kernels::{self as k, View};

    fn error(err: k::KernelError) -> KernelError {
        KernelError::InvalidArgument(err.to_string())
    }

    /// Converts a method's argument to the kernel crate's type.
    trait Arg<T> {
        fn arg(self) -> T;
    }
    impl Arg<u32> for u32 {
        fn arg(self) -> u32 {
            self
        }
    }
    impl Arg<k::Deviation> for Deviation {
        fn arg(self) -> k::Deviation {
            match self {
                Deviation::Population => k::Deviation::Population,
                Deviation::Sample => k::Deviation::Sample,
            }
        }
    }

    /// A column: natively, a view of its values in process.
    #[derive(Debug, Clone)]
    pub struct Column(View<f64>);

    impl PartialEq for Column {
        fn eq(&self, other: &Column) -> bool {
            self.0.as_slice() == other.0.as_slice()
        }
    }

    macro_rules! methods {
        ($($(#[$doc:meta])* $name:ident($($arg:ident: $ty:ty),*);)*) => {
            $(
                $(#[$doc])*
                pub fn $name(&self, $($arg: $ty),*) -> Result<Column, KernelError> {
                    k::$name(self.values_ref(), $($arg.arg()),*).map(Column::from_vec).map_err(error)
                }
            )*
        };
    }

    impl Column {
        /// A column of `values`.
        pub fn new(values: &[f64]) -> Column {
            Column::from_vec(values.to_vec())
        }

        /// A column of `values`, taken as they are (natively only: no copy).
        pub fn from_vec(values: Vec<f64>) -> Column {
            Column(View::new(values))
        }

        fn values_ref(&self) -> &[f64] {
            self.0.as_slice()
        }

        /// How many values it holds.
        pub fn len(&self) -> usize {
            self.0.len()
        }

        /// Whether it holds none.
        pub fn is_empty(&self) -> bool {
            self.len() == 0
        }

        /// Its values.
        pub fn values(&self) -> Vec<f64> {
            self.values_ref().to_vec()
        }

        /// Its values, moved out when nothing else shares them (natively only).
        pub fn into_values(self) -> Vec<f64> {
            self.0.into_vec().0
        }

        /// Values `start..end`, clamped as Python slices; shares the values.
        pub fn slice(&self, start: usize, end: usize) -> Column {
            Column(self.0.slice(start, end))
        }

        /// This column `op` `other`, element by element.
        pub fn combine(&self, op: Operator, other: &Column) -> Result<Column, KernelError> {
            k::combine(self.values_ref(), operator(op), other.values_ref())
                .map(Column::from_vec)
                .map_err(error)
        }

        /// This column `op` `value`, element by element.
        pub fn combine_scalar(&self, op: Operator, value: f64) -> Result<Column, KernelError> {
            k::combine_scalar(self.values_ref(), operator(op), value).map(Column::from_vec).map_err(error)
        }

        one_column_kernels!(methods);

        /// Running sum from the first bar; a NaN is skipped.
        pub fn cumulative_sum(&self) -> Result<Column, KernelError> {
            k::cumulative_sum(self.values_ref()).map(Column::from_vec).map_err(error)
        }

        /// MACD (TA-Lib `MACD`).
        pub fn macd(&self, fast: u32, slow: u32, signal: u32) -> Result<MacdColumns, KernelError> {
            k::macd(self.values_ref(), fast, slow, signal)
                .map(|l| MacdColumns {
                    macd: Column::from_vec(l.macd),
                    signal: Column::from_vec(l.signal),
                    hist: Column::from_vec(l.hist),
                })
                .map_err(error)
        }

        /// Bollinger Bands (TA-Lib `BBANDS`, SMA).
        pub fn bollinger(&self, period: u32, up: f64, down: f64) -> Result<BandColumns, KernelError> {
            k::bollinger(self.values_ref(), period, up, down)
                .map(|b| BandColumns {
                    upper: Column::from_vec(b.upper),
                    middle: Column::from_vec(b.middle),
                    lower: Column::from_vec(b.lower),
                })
                .map_err(error)
        }

        /// True range (TA-Lib `TRANGE`).
        pub fn true_range(high: &Column, low: &Column, close: &Column) -> Result<Column, KernelError> {
            k::true_range(high.values_ref(), low.values_ref(), close.values_ref())
                .map(Column::from_vec)
                .map_err(error)
        }

        /// Average true range (TA-Lib `ATR`).
        pub fn atr(high: &Column, low: &Column, close: &Column, period: u32) -> Result<Column, KernelError> {
            k::atr(high.values_ref(), low.values_ref(), close.values_ref(), period)
                .map(Column::from_vec)
                .map_err(error)
        }
    }

    fn operator(op: Operator) -> k::Operator {
        match op {
            Operator::Add => k::Operator::Add,
            Operator::Subtract => k::Operator::Subtract,
            Operator::Multiply => k::Operator::Multiply,
            Operator::Divide => k::Operator::Divide,
        }
    }

    /// Bar times: natively, a view of the times in process.
    #[derive(Debug, Clone)]
    pub struct Timestamps(View<i64>);

    impl PartialEq for Timestamps {
        fn eq(&self, other: &Timestamps) -> bool {
            self.0.as_slice() == other.0.as_slice()
        }
    }

    impl Default for Timestamps {
        fn default() -> Timestamps {
            Timestamps::from_vec(Vec::new())
        }
    }

    impl Timestamps {
        /// Times (µs since the Unix epoch), ascending (natively only).
        pub fn from_vec(times: Vec<i64>) -> Timestamps {
            Timestamps(View::new(times))
        }

        /// How many it holds.
        pub fn len(&self) -> usize {
            self.0.len()
        }

        /// Whether it holds none.
        pub fn is_empty(&self) -> bool {
            self.len() == 0
        }

        /// Its times.
        pub fn values(&self) -> Vec<i64> {
            self.0.as_slice().to_vec()
        }

        /// Its times, moved out when nothing else shares them (natively only).
        pub fn into_values(self) -> Vec<i64> {
            self.0.into_vec().0
        }

        /// Times `start..end`, clamped; shares the times.
        pub fn slice(&self, start: usize, end: usize) -> Timestamps {
            Timestamps(self.0.slice(start, end))
        }

        /// The index of the first time at or after `t`.
        pub fn first_at_or_after(&self, t: i64) -> usize {
            self.0.as_slice().partition_point(|&ts| ts < t)
        }

        /// The index just past the last time at or before `t`.
        pub fn end_at_or_before(&self, t: i64) -> usize {
            self.0.as_slice().partition_point(|&ts| ts <= t)
        }
    }
}
