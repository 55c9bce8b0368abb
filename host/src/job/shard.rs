//! Shards: one job split over N processes (a Kubernetes Indexed Job's pods, or any scheduler that
//! runs the same command N times with an index), each running the units of its own symbols and
//! writing its own manifest, `manifest-shard-I-of-N.json`.
//!
//! **The assignment.** A symbol's units (every plugin's, and the joined table's) stay in one shard,
//! since they share one read of the symbol's series. Symbols are weighed by their *estimated bars*:
//! the bars the span from the symbol's first to its last stored bar in the job's window would hold
//! at one bar per timeframe step, `(last - first) / step + 1` (a month counts 30 days and a tick 1
//! second, which only scales every weight of a job alike). Two index lookups per symbol find the
//! span, so a shard of 5,000 symbols × 10 years of 1-minute bars weighs them in seconds where
//! counting their bars would take hours, and every shard does it as it starts. The estimate
//! counts gaps inside the span (weekends, holidays, a halt) as bars: it is exact for series that
//! trade the same hours, and over-weighs a symbol with fewer trading hours than the others (an
//! equity's 6.5-hour sessions against a currency's 24) by their ratio.
//!
//! Longest processing time first (Graham, 1969): symbols sorted by weight, most first, ties by
//! symbol, each to the shard with the least weight so far (ties: the fewest symbols, then the
//! lowest index). The result is within 4/3 of the best split's largest shard, and is a function of
//! the symbols and their weights alone. Each shard's manifest records the weights it used, and a
//! shard that starts when another's manifest of the same job is already there takes the weights
//! from it, so bars ingested while the job runs cannot move a symbol from one shard to another (a
//! retried pod runs exactly the symbols its first attempt had).

use std::collections::BTreeMap;
use std::fmt;
use std::num::NonZeroUsize;

use sha2::{Digest, Sha256};

use super::config::Job;
use super::execute::{job_record, window_record};
use super::manifest::Manifest;
use crate::domain::{Fields, ReadError, Symbol, TimeRange, Timeframe, Timestamp};
use crate::reader::{MarketDataReader, RangeRequest};

/// Shard `index` of `count` (`0 <= index < count`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

/// The variables a Kubernetes Indexed Job sets in each pod: the pod's index and the job's
/// completions, which are the shards' index and count.
pub const INDEX_VAR: &str = "JOB_COMPLETION_INDEX";
pub const COUNT_VAR: &str = "JOB_COMPLETIONS";

impl Shard {
    /// A shard, or why `index` and `count` are not one.
    pub fn new(index: u64, count: u64) -> Result<Shard, String> {
        if count == 0 {
            return Err("N is 0 (expected at least 1 shard)".to_owned());
        }
        let count =
            u32::try_from(count).map_err(|_| format!("N is {count} (expected at most {})", u32::MAX))?;
        if index >= u64::from(count) {
            return Err(format!("index {index} is outside 0..{count} (expected 0 to {})", count - 1));
        }
        Ok(Shard { index: index as u32, count })
    }

    /// `I/N` as the command line gives it.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let malformed =
            || format!("--shard {text:?}: expected I/N, such as 0/4 (shard I of N, I from 0 to N-1)");
        let (index, count) = text.split_once('/').ok_or_else(malformed)?;
        let number = |s: &str| {
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(malformed());
            }
            s.parse::<u64>().map_err(|_| malformed())
        };
        Shard::new(number(index)?, number(count)?).map_err(|err| format!("--shard {text}: {err}"))
    }

    /// The shard `JOB_COMPLETION_INDEX` and `JOB_COMPLETIONS` choose, when both are set; none
    /// when neither is. One without the other is an error: every pod would run the whole job.
    /// `get` reads a variable (the process environment, or a test's).
    pub fn from_env(get: &dyn Fn(&str) -> Option<String>) -> Result<Option<Shard>, String> {
        let (index, count) = match (get(INDEX_VAR), get(COUNT_VAR)) {
            (Some(index), Some(count)) => (index, count),
            (None, None) => return Ok(None),
            (Some(value), None) | (None, Some(value)) => {
                let (set, unset) =
                    if get(INDEX_VAR).is_some() { (INDEX_VAR, COUNT_VAR) } else { (COUNT_VAR, INDEX_VAR) };
                return Err(format!(
                    "{set}={value} is set and {unset} is not (expected both, as deploy/k8s/job.yaml sets \
                     them, or --shard I/N): alone, every pod would run the whole job"
                ));
            }
        };
        let number = |name: &str, value: &str, what: &str| {
            value
                .trim()
                .parse::<u64>()
                .map_err(|_| format!("{name}={value:?}: expected a whole number ({what})"))
        };
        let i = number(INDEX_VAR, &index, "the pod's index, which a Kubernetes Indexed Job sets")?;
        let n = number(COUNT_VAR, &count, "the Job's completions, as deploy/k8s/job.yaml sets it")?;
        Shard::new(i, n).map(Some).map_err(|err| format!("{INDEX_VAR}={index}, {COUNT_VAR}={count}: {err}"))
    }

    /// Its manifest's file name in the output folder.
    pub fn manifest_file(self) -> String {
        format!("manifest-shard-{}-of-{}.json", self.index, self.count)
    }

    /// The shard a manifest file's name belongs to (`manifest-shard-I-of-N.json`).
    pub fn of_manifest_file(name: &str) -> Option<Shard> {
        let rest = name.strip_prefix("manifest-shard-")?.strip_suffix(".json")?;
        let (index, count) = rest.split_once("-of-")?;
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(index) || !digits(count) {
            return None;
        }
        Shard::new(index.parse().ok()?, count.parse().ok()?).ok()
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Each symbol's shard, in the order of `bars` (the job's symbols with their estimated bars), by
/// longest processing time first (see the module's doc).
pub fn assign(bars: &[(Symbol, u64)], count: u32) -> Vec<u32> {
    let count = count.max(1) as usize;
    let mut order: Vec<usize> = (0..bars.len()).collect();
    order
        .sort_by(|&a, &b| bars[b].1.cmp(&bars[a].1).then_with(|| bars[a].0.as_str().cmp(bars[b].0.as_str())));
    let mut load = vec![(0u64, 0usize); count];
    let mut shard_of = vec![0u32; bars.len()];
    for i in order {
        let s = (0..count).min_by_key(|&s| (load[s], s)).expect("at least one shard");
        load[s].0 += bars[i].1;
        load[s].1 += 1;
        shard_of[i] = s as u32;
    }
    shard_of
}

/// A shard's part of the job: its symbols (in the job's order), and what its manifest records so
/// that the other shards and `candlewick status` can check they split the same job the same way.
#[derive(Debug, Clone)]
pub struct ShardPlan {
    pub shard: Shard,
    pub symbols: Vec<Symbol>,
    /// Estimated bars of the shard's symbols, summed.
    pub bars: u64,
    /// The estimated bars the assignment used, by symbol.
    pub estimated_bars: BTreeMap<String, u64>,
    /// Hex sha256 of every `symbol=shard` line of the assignment: equal in every shard of one split.
    pub assignment: String,
}

impl ShardPlan {
    /// Shard `shard`'s part of the job whose symbols have these `bars`.
    pub fn new(shard: Shard, bars: &[(Symbol, u64)]) -> ShardPlan {
        let of = assign(bars, shard.count);
        let mut digest = Sha256::new();
        for ((symbol, _), s) in bars.iter().zip(&of) {
            digest.update(format!("{symbol}={s}\n").as_bytes());
        }
        let mine = bars.iter().zip(&of).filter(|(_, s)| **s == shard.index);
        ShardPlan {
            shard,
            symbols: mine.clone().map(|((symbol, _), _)| symbol.clone()).collect(),
            bars: mine.map(|((_, n), _)| n).sum(),
            estimated_bars: bars.iter().map(|(s, n)| (s.to_string(), *n)).collect(),
            assignment: format!("{:x}", digest.finalize()),
        }
    }
}

/// Shard `shard`'s part of `job`: the estimated bars of an earlier shard's manifest of this job
/// (the same file, symbols, timeframe and window, split as many ways), else each symbol's
/// [`estimated_bars`] from `reader`. Says what it took on stderr's log.
pub fn plan_for(job: &Job, reader: &dyn MarketDataReader, shard: Shard) -> anyhow::Result<ShardPlan> {
    let this = job_record(job);
    let window = window_record(job);
    let symbols: Vec<&str> = {
        let mut s: Vec<&str> = job.symbols.iter().map(Symbol::as_str).collect();
        s.sort_unstable();
        s.dedup();
        s
    };
    let siblings = Manifest::read_all(&job.output).unwrap_or_default();
    let recorded = siblings.iter().find_map(|(_, m)| {
        let record = m.shard.as_ref()?;
        let same = record.count == shard.count
            && m.job.sha256 == this.sha256
            && m.job.path == this.path
            && m.timeframe == job.timeframe.as_str()
            && m.window == window
            && record.estimated_bars.keys().map(String::as_str).eq(symbols.iter().copied());
        same.then_some(&record.estimated_bars)
    });
    let bars: Vec<(Symbol, u64)> = match recorded {
        Some(weights) => job.symbols.iter().map(|s| (s.clone(), weights[s.as_str()])).collect(),
        None => job
            .symbols
            .iter()
            .map(|s| estimated_bars(reader, s, job.timeframe, job.window).map(|n| (s.clone(), n)))
            .collect::<Result<_, _>>()
            .map_err(|err| {
                anyhow::Error::new(err).context(format!("shard {shard}: weighing each symbol's bars"))
            })?,
    };
    let plan = ShardPlan::new(shard, &bars);
    tracing::info!(
        shard = %shard,
        symbols = plan.symbols.len(),
        of = job.symbols.len(),
        estimated_bars = plan.bars,
        weights = if recorded.is_some() { "an earlier shard's manifest" } else { "the source" },
        "this shard's symbols"
    );
    Ok(plan)
}

/// The bars `symbol`'s span in `window` would hold at one bar per `timeframe` step: `(last -
/// first) / step + 1` from its first and last stored bar in the window, 0 when it has none there.
/// Two index lookups (a one-bar page and [`bar_before`](MarketDataReader::bar_before)), whatever
/// the series' length. A month counts 30 days and a tick one second.
pub fn estimated_bars(
    reader: &dyn MarketDataReader,
    symbol: &Symbol,
    timeframe: Timeframe,
    window: TimeRange,
) -> Result<u64, ReadError> {
    const SECOND: i64 = 1_000_000;
    let request = RangeRequest { symbol: symbol.clone(), timeframe, range: window, fields: Fields::NONE };
    let Some(&first) = reader.page(&request, None, NonZeroUsize::MIN)?.ts.first() else { return Ok(0) };
    let after_end = Timestamp::from_micros(window.end().as_micros().saturating_add(1));
    let last =
        reader.bar_before(symbol, timeframe, after_end, NonZeroUsize::MIN)?.map_or(first, |t| t.as_micros());
    let step = match timeframe {
        Timeframe::Tick => SECOND,
        Timeframe::Month1 => 30 * 86_400 * SECOND,
        other => other.step_micros().expect("every timeframe but ticks and months has a fixed step"),
    };
    Ok((last.saturating_sub(first).max(0) / step) as u64 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bars(list: &[(&str, u64)]) -> Vec<(Symbol, u64)> {
        list.iter().map(|(s, n)| (Symbol::new(*s).unwrap(), *n)).collect()
    }

    #[test]
    fn shard_flags_parse_and_bad_ones_say_what_was_expected() {
        assert_eq!(Shard::parse("0/4"), Ok(Shard { index: 0, count: 4 }));
        assert_eq!(Shard::parse("3/4"), Ok(Shard { index: 3, count: 4 }));
        assert_eq!(
            Shard::parse("4/4").unwrap_err(),
            "--shard 4/4: index 4 is outside 0..4 (expected 0 to 3)"
        );
        assert_eq!(Shard::parse("0/0").unwrap_err(), "--shard 0/0: N is 0 (expected at least 1 shard)");
        for bad in ["", "1", "1/", "/4", "-1/4", "a/4", "1/4/2", "1 /4", "+1/4"] {
            assert_eq!(
                Shard::parse(bad).unwrap_err(),
                format!("--shard {bad:?}: expected I/N, such as 0/4 (shard I of N, I from 0 to N-1)")
            );
        }
    }

    #[test]
    fn the_environment_chooses_the_shard_when_both_variables_are_set_and_one_alone_is_an_error() {
        let env = |i: Option<&'static str>, n: Option<&'static str>| {
            move |name: &str| match name {
                INDEX_VAR => i.map(str::to_owned),
                COUNT_VAR => n.map(str::to_owned),
                _ => None,
            }
        };
        assert_eq!(Shard::from_env(&env(Some("2"), Some("5"))), Ok(Some(Shard { index: 2, count: 5 })));
        assert_eq!(Shard::from_env(&env(None, None)), Ok(None));
        assert_eq!(
            Shard::from_env(&env(Some("2"), None)).unwrap_err(),
            "JOB_COMPLETION_INDEX=2 is set and JOB_COMPLETIONS is not (expected both, as deploy/k8s/job.yaml \
             sets them, or --shard I/N): alone, every pod would run the whole job"
        );
        assert!(
            Shard::from_env(&env(None, Some("5")))
                .unwrap_err()
                .starts_with("JOB_COMPLETIONS=5 is set and JOB_COMPLETION_INDEX is not")
        );
        assert_eq!(
            Shard::from_env(&env(Some("5"), Some("5"))).unwrap_err(),
            "JOB_COMPLETION_INDEX=5, JOB_COMPLETIONS=5: index 5 is outside 0..5 (expected 0 to 4)"
        );
        assert_eq!(
            Shard::from_env(&env(Some("x"), Some("5"))).unwrap_err(),
            "JOB_COMPLETION_INDEX=\"x\": expected a whole number (the pod's index, which a Kubernetes Indexed Job sets)"
        );
    }

    #[test]
    fn manifest_file_names_round_trip() {
        let shard = Shard { index: 2, count: 8 };
        assert_eq!(shard.manifest_file(), "manifest-shard-2-of-8.json");
        assert_eq!(Shard::of_manifest_file(&shard.manifest_file()), Some(shard));
        for other in ["manifest.json", "manifest-shard-8-of-8.json", "manifest-shard-a-of-8.json", "x"] {
            assert_eq!(Shard::of_manifest_file(other), None, "{other}");
        }
    }

    /// Worked by hand: by bars, A (100) → shard 0; B (90) → 1; C (60) → 1 (90 < 100); D (50) → 0
    /// (100 < 150); E (50) → 0 (150 = 150 with 2 symbols each: the lower index); F (0) → 1 (150 <
    /// 200). Loads 200 and 150.
    #[test]
    fn longest_processing_time_first_balances_bars_not_symbols() {
        let bars = bars(&[("C", 60), ("A", 100), ("F", 0), ("E", 50), ("B", 90), ("D", 50)]);
        assert_eq!(assign(&bars, 2), [1, 0, 1, 0, 1, 0]);
        let one = ShardPlan::new(Shard { index: 1, count: 2 }, &bars);
        assert_eq!(one.symbols.iter().map(Symbol::as_str).collect::<Vec<_>>(), ["C", "F", "B"]);
        assert_eq!(one.bars, 150);
        let zero = ShardPlan::new(Shard { index: 0, count: 2 }, &bars);
        assert_eq!(zero.bars, 200);
        assert_eq!(zero.assignment, one.assignment, "every shard of one split has the same fingerprint");
        // Stable: the same counts, in any order of the job's symbols, give each symbol the same shard.
        let mut shuffled = bars.clone();
        shuffled.reverse();
        let again = ShardPlan::new(Shard { index: 1, count: 2 }, &shuffled);
        let mut a = again.symbols.clone();
        let mut b = one.symbols.clone();
        a.sort();
        b.sort();
        assert_eq!(a, b);
    }

    #[test]
    fn every_symbol_lands_in_exactly_one_shard_and_more_shards_than_symbols_leave_some_empty() {
        let bars = bars(&[("A", 5), ("B", 5), ("C", 5)]);
        let plans: Vec<ShardPlan> =
            (0..5).map(|i| ShardPlan::new(Shard { index: i, count: 5 }, &bars)).collect();
        let mut all: Vec<&Symbol> = plans.iter().flat_map(|p| &p.symbols).collect();
        all.sort();
        assert_eq!(all.len(), 3);
        all.dedup();
        assert_eq!(all.len(), 3);
        assert_eq!(plans.iter().filter(|p| p.symbols.is_empty()).count(), 2);
    }

    /// Hourly bars at 10, 11 and 14 h (a gap of two hours counted as bars), and one daily bar.
    #[test]
    fn a_symbol_weighs_the_bars_its_span_in_the_window_would_hold() {
        use crate::domain::Bar;
        use crate::reader::MemoryMarketDataReader;
        const H: i64 = 3_600_000_000;
        let bar = |ts: i64| Bar {
            ts: Timestamp::from_micros(ts),
            open: 1.0,
            high: 1.0,
            low: 1.0,
            close: 1.0,
            volume: 0,
        };
        let reader = MemoryMarketDataReader::from_stored_rows([
            ("EURUSD", "1h", bar(10 * H)),
            ("EURUSD", "1h", bar(11 * H)),
            ("EURUSD", "1h", bar(14 * H)),
            ("EURUSD", "1d", bar(24 * H)),
        ]);
        let eurusd = Symbol::new("EURUSD").unwrap();
        let window = |start: i64, end: i64| {
            TimeRange::new(Timestamp::from_micros(start), Timestamp::from_micros(end)).unwrap()
        };
        let weigh = |tf, w| estimated_bars(&reader, &eurusd, tf, w).unwrap();
        assert_eq!(weigh(Timeframe::Hour1, TimeRange::all()), 5, "10 h to 14 h: five hours' bars");
        assert_eq!(weigh(Timeframe::Hour1, window(10 * H, 14 * H)), 5, "both ends included");
        assert_eq!(weigh(Timeframe::Hour1, window(10 * H + 1, 14 * H)), 4, "11 h to 14 h");
        assert_eq!(weigh(Timeframe::Hour1, window(0, 13 * H)), 2, "10 h to 11 h");
        assert_eq!(weigh(Timeframe::Hour1, window(12 * H, 13 * H)), 0, "no bar inside the window");
        assert_eq!(weigh(Timeframe::Day1, TimeRange::all()), 1, "one bar");
        assert_eq!(weigh(Timeframe::Minute1, TimeRange::all()), 0, "another timeframe");
        assert_eq!(
            estimated_bars(&reader, &Symbol::new("GBPUSD").unwrap(), Timeframe::Hour1, TimeRange::all())
                .unwrap(),
            0
        );
    }
}
