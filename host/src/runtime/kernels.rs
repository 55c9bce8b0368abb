//! The `kernels` imports of contract 0.2 (`wit/kernels.wit`), served to every 0.2 plugin: the
//! `candlewick-kernels` crate's functions, run natively in the host.
//!
//! They are pure: no reads, no state, so the unit's scope and read budget do not enter. What they
//! cost is memory: the host holds a call's input columns (wasmtime has copied them out of the
//! plugin, under the per-call transfer limit) and its output columns, which then land in the
//! plugin's memory. A call whose columns, inputs and outputs together (8 bytes a value), pass the
//! unit's memory limit is refused with `too-large` before anything is computed; the outputs are
//! then held to the memory limit again as the plugin's own memory, and whatever the plugin returns
//! to its output limits.

use candlewick_kernels as k;

use super::bindings::types as wit;
use super::bindings::v0_2::kernels::{self as wit_kernels, Bands, Deviation, KernelError, MacdLines};
use super::host::UnitState;

/// What the host gives back to the guest: a kernel's answer, or why it computed nothing.
type Answer<T> = wasmtime::Result<Result<T, KernelError>>;

impl UnitState {
    /// Refuses a call of `kernel` whose `inputs` columns of `len` values each, plus `outputs` as
    /// long, would pass the unit's memory limit.
    fn kernel_room(
        &self,
        kernel: &str,
        len: usize,
        inputs: usize,
        outputs: usize,
    ) -> Result<(), KernelError> {
        let bytes = 8u64.saturating_mul(len as u64).saturating_mul((inputs + outputs) as u64);
        let limit = self.limiter.memory_bytes as u64;
        if bytes > limit {
            tracing::debug!(plugin = %self.plugin, kernel, bytes, limit, "kernel call refused: too large");
            return Err(KernelError::TooLarge(wit::LimitExceeded {
                what: "bytes of a kernel call's columns, inputs and outputs (the unit's memory limit)"
                    .to_owned(),
                limit,
            }));
        }
        Ok(())
    }

    /// One column in, one out: checks the room, runs `f`, hands its error to the guest.
    fn kernel1(
        &self,
        kernel: &str,
        values: &[f64],
        f: impl FnOnce(&[f64]) -> Result<Vec<f64>, k::KernelError>,
    ) -> Answer<Vec<f64>> {
        Ok(self.kernel_room(kernel, values.len(), 1, 1).and_then(|()| f(values).map_err(invalid)))
    }
}

pub(super) fn invalid(err: k::KernelError) -> KernelError {
    KernelError::InvalidArgument(err.to_string())
}

pub(super) fn deviation(d: Deviation) -> k::Deviation {
    match d {
        Deviation::Population => k::Deviation::Population,
        Deviation::Sample => k::Deviation::Sample,
    }
}

impl wit_kernels::Host for UnitState {
    fn rolling_sum(&mut self, values: Vec<f64>, period: u32) -> Answer<Vec<f64>> {
        self.kernel1("rolling-sum", &values, |v| k::rolling_sum(v, period))
    }

    fn rolling_mean(&mut self, values: Vec<f64>, period: u32) -> Answer<Vec<f64>> {
        self.kernel1("rolling-mean", &values, |v| k::rolling_mean(v, period))
    }

    fn rolling_var(&mut self, values: Vec<f64>, period: u32, d: Deviation) -> Answer<Vec<f64>> {
        self.kernel1("rolling-var", &values, |v| k::rolling_var(v, period, deviation(d)))
    }

    fn rolling_std(&mut self, values: Vec<f64>, period: u32, d: Deviation) -> Answer<Vec<f64>> {
        self.kernel1("rolling-std", &values, |v| k::rolling_std(v, period, deviation(d)))
    }

    fn rolling_min(&mut self, values: Vec<f64>, period: u32) -> Answer<Vec<f64>> {
        self.kernel1("rolling-min", &values, |v| k::rolling_min(v, period))
    }

    fn rolling_max(&mut self, values: Vec<f64>, period: u32) -> Answer<Vec<f64>> {
        self.kernel1("rolling-max", &values, |v| k::rolling_max(v, period))
    }

    fn rolling_argmin(&mut self, values: Vec<f64>, period: u32) -> Answer<Vec<f64>> {
        self.kernel1("rolling-argmin", &values, |v| k::rolling_argmin(v, period))
    }

    fn rolling_argmax(&mut self, values: Vec<f64>, period: u32) -> Answer<Vec<f64>> {
        self.kernel1("rolling-argmax", &values, |v| k::rolling_argmax(v, period))
    }

    fn rolling_rank(&mut self, values: Vec<f64>, period: u32) -> Answer<Vec<f64>> {
        self.kernel1("rolling-rank", &values, |v| k::rolling_rank(v, period))
    }

    fn zscore(&mut self, values: Vec<f64>, period: u32, d: Deviation) -> Answer<Vec<f64>> {
        self.kernel1("zscore", &values, |v| k::zscore(v, period, deviation(d)))
    }

    fn ema(&mut self, values: Vec<f64>, period: u32) -> Answer<Vec<f64>> {
        self.kernel1("ema", &values, |v| k::ema(v, period))
    }

    fn wilder(&mut self, values: Vec<f64>, period: u32) -> Answer<Vec<f64>> {
        self.kernel1("wilder", &values, |v| k::wilder(v, period))
    }

    fn rsi(&mut self, values: Vec<f64>, period: u32) -> Answer<Vec<f64>> {
        self.kernel1("rsi", &values, |v| k::rsi(v, period))
    }

    fn macd(&mut self, values: Vec<f64>, fast: u32, slow: u32, signal: u32) -> Answer<MacdLines> {
        Ok(self.kernel_room("macd", values.len(), 1, 3).and_then(|()| {
            k::macd(&values, fast, slow, signal)
                .map(|lines| MacdLines { macd: lines.macd, signal: lines.signal, hist: lines.hist })
                .map_err(invalid)
        }))
    }

    fn true_range(&mut self, high: Vec<f64>, low: Vec<f64>, close: Vec<f64>) -> Answer<Vec<f64>> {
        let len = high.len().max(low.len()).max(close.len());
        Ok(self
            .kernel_room("true-range", len, 3, 1)
            .and_then(|()| k::true_range(&high, &low, &close).map_err(invalid)))
    }

    fn atr(&mut self, high: Vec<f64>, low: Vec<f64>, close: Vec<f64>, period: u32) -> Answer<Vec<f64>> {
        let len = high.len().max(low.len()).max(close.len());
        Ok(self
            .kernel_room("atr", len, 3, 1)
            .and_then(|()| k::atr(&high, &low, &close, period).map_err(invalid)))
    }

    fn bollinger(
        &mut self,
        values: Vec<f64>,
        period: u32,
        deviations_up: f64,
        deviations_down: f64,
    ) -> Answer<Bands> {
        Ok(self.kernel_room("bollinger", values.len(), 1, 3).and_then(|()| {
            k::bollinger(&values, period, deviations_up, deviations_down)
                .map(|bands| Bands { upper: bands.upper, middle: bands.middle, lower: bands.lower })
                .map_err(invalid)
        }))
    }

    fn log_return(&mut self, values: Vec<f64>, lag: u32) -> Answer<Vec<f64>> {
        self.kernel1("log-return", &values, |v| k::log_return(v, lag))
    }

    fn pct_change(&mut self, values: Vec<f64>, lag: u32) -> Answer<Vec<f64>> {
        self.kernel1("pct-change", &values, |v| k::pct_change(v, lag))
    }

    fn diff(&mut self, values: Vec<f64>, lag: u32) -> Answer<Vec<f64>> {
        self.kernel1("diff", &values, |v| k::diff(v, lag))
    }

    fn shift(&mut self, values: Vec<f64>, lag: u32) -> Answer<Vec<f64>> {
        self.kernel1("shift", &values, |v| k::shift(v, lag))
    }

    fn cumulative_sum(&mut self, values: Vec<f64>) -> Answer<Vec<f64>> {
        self.kernel1("cumulative-sum", &values, k::cumulative_sum)
    }
}
