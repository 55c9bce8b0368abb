//! Reads spread over read replicas: PostgreSQL streaming standbys of the primary.
//!
//! [`ReplicaReader::connect`] checks every replica before a job runs. A replica that cannot be
//! reached, is not in recovery (promoted, or never a standby), has no `market_data` table, or is
//! further behind the primary than [`ReadReplicas::max_lag`] (measured as `pg::replica` says:
//! caught up to the primary's WAL position is 0 s behind, else the age of its last replayed
//! transaction) is left out with a warning. A replica that is the primary itself, or a standby of
//! another cluster, is an error: the job file is wrong.
//!
//! A unit's reads go to one replica: the symbol's place in the job's symbols picks it (symbol `i`
//! of `n` healthy replicas reads from replica `i mod n`), so the units spread evenly and a unit's
//! keyset pages all come from one server. Reads of several symbols at once (a cross-section
//! plugin's) take the replicas in turn. When a read fails with the source unavailable, the
//! replica is checked again: one that no longer answers as a standby is left out for the rest of
//! the job (a warning says so) and the read goes to the next replica in turn — a keyset page
//! resumes after its last key there, so the unit goes on where it stood. With no replica left,
//! reads go to the primary (`fallback: primary`) or fail (`fallback: fail`). The primary never
//! takes reads otherwise; ingest and migrate never see the replicas.
//!
//! Lag is measured again as the job runs, at most every [`lag_check_interval`] (half the bound,
//! within 1 to 30 s) by the first read after it is due: a replica further behind than the bound
//! takes no reads until a later check finds it caught up (a warning and a note say so), and its
//! reads go to the others in turn as for one that is down. A check that cannot reach the primary
//! changes nothing.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::{PgMarketDataReader, PgReaderConfig};
use crate::domain::{ReadError, Symbol, SymbolSet, error_chain};
use crate::pg::ConnectionSettings;
use crate::pg::replica::{self, PrimaryPosition, ReplicaPosition};

/// How far behind the primary a replica may be when the job file does not say.
pub const DEFAULT_MAX_LAG: Duration = Duration::from_secs(30);

/// How long a read on a replica waits for a pooled connection: shorter than the primary's
/// default, so that reads that started as a replica went down move on within it.
pub const REPLICA_CHECKOUT_TIMEOUT: Duration = Duration::from_secs(10);

/// What reads do when no replica is healthy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fallback {
    /// Read from the primary (with a warning).
    #[default]
    Primary,
    /// Fail: before the job, the job does not start; mid-job, the reads fail and so do their units.
    Fail,
}

impl Fallback {
    pub const NAMES: &str = "primary or fail";

    pub fn parse(text: &str) -> Option<Fallback> {
        match text {
            "primary" => Some(Fallback::Primary),
            "fail" => Some(Fallback::Fail),
            _ => None,
        }
    }
}

impl std::fmt::Display for Fallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Fallback::Primary => "primary",
            Fallback::Fail => "fail",
        })
    }
}

/// A job's read replicas (`database.replicas`, `max_lag_secs`, `fallback`).
#[derive(Debug, Clone)]
pub struct ReadReplicas {
    pub replicas: Vec<ConnectionSettings>,
    /// The furthest behind the primary a replica may be, checked before the job and as it runs.
    pub max_lag: Duration,
    pub fallback: Fallback,
}

/// A job that cannot use its replicas; the message names the field. A server that cannot be
/// reached (the primary, or every replica with `fallback: fail`) has a [`ReadError::Unavailable`]
/// as its source: running again later may succeed. The others are the job file's mistakes.
#[derive(Debug, thiserror::Error)]
pub enum ReplicaError {
    #[error("checking the primary {primary}")]
    Primary {
        primary: String,
        #[source]
        source: ReadError,
    },
    #[error(
        "database.replicas[{index}]: {replica} is the primary itself (system identifier {system_identifier}, \
         started {started}) (expected a standby of it)"
    )]
    IsPrimary { index: usize, replica: String, system_identifier: i64, started: String },
    #[error(
        "database.replicas[{index}]: {replica} is the same server as database.replicas[{first}] (expected each \
         replica once)"
    )]
    Repeated { index: usize, first: usize, replica: String },
    #[error(
        "database.replicas[{index}]: {replica} is not a standby of the primary {primary} (system identifier \
         {theirs}, the primary's {ours}) (expected a streaming replica of it)"
    )]
    OtherCluster { index: usize, replica: String, primary: String, theirs: i64, ours: i64 },
    /// Its source lists each replica's reason.
    #[error("database.replicas: no healthy replica, and fallback: fail")]
    NoHealthyReplica {
        #[source]
        source: ReadError,
    },
    #[error("connecting to the primary {primary} (fallback: primary)")]
    PrimaryReader {
        primary: String,
        #[source]
        source: ReadError,
    },
}

/// Reads routed to a job's healthy replicas; see the module's doc.
#[derive(Debug)]
pub struct ReplicaReader {
    replicas: Vec<Replica>,
    /// The primary's reader, when reads fall back to it.
    primary: Option<PgMarketDataReader>,
    primary_name: String,
    /// The job's symbols: a symbol's place picks its replica.
    symbols: SymbolSet,
    /// The turn of the next read that names no one symbol.
    next: AtomicUsize,
    primary_settings: ConnectionSettings,
    max_lag: Duration,
    /// When lag was last measured; held while it is measured again.
    lag_checked: Mutex<Instant>,
}

/// How often lag is measured mid-job for a bound of `max_lag`: half of it, within 1 to 30 s.
pub fn lag_check_interval(max_lag: Duration) -> Duration {
    (max_lag / 2).clamp(Duration::from_secs(1), Duration::from_secs(30))
}

#[derive(Debug)]
struct Replica {
    /// `replicas[2]`: the job file's name for it.
    field: String,
    settings: ConnectionSettings,
    reader: PgMarketDataReader,
    /// Failed mid-job and no longer answers as a standby: out for the rest of the job.
    down: AtomicBool,
    /// Further behind than the bound at the last check: out until a check finds it caught up.
    behind: AtomicBool,
}

impl Replica {
    fn takes_reads(&self) -> bool {
        !self.down.load(Ordering::Acquire) && !self.behind.load(Ordering::Acquire)
    }
}

/// The reason a replica was left out of a job, or why it is fine.
enum Verdict {
    Healthy(Duration),
    Skipped(String),
}

impl ReplicaReader {
    /// Checks the primary and every replica (see the module's doc) and opens a pool on each
    /// healthy replica, sized as `config` says; the primary's too when reads fall back to it.
    pub fn connect(
        primary: &ConnectionSettings,
        read_replicas: &ReadReplicas,
        config: &PgReaderConfig,
        symbols: &SymbolSet,
    ) -> Result<ReplicaReader, ReplicaError> {
        let position = replica::primary_position(primary).map_err(|err| ReplicaError::Primary {
            primary: primary.to_string(),
            source: ReadError::unavailable(err),
        })?;
        let replica_config = PgReaderConfig {
            // A failed read is checked and retried here, on this replica or the next.
            attempts: 1,
            checkout_timeout: config.checkout_timeout.min(REPLICA_CHECKOUT_TIMEOUT),
            ..config.clone()
        };
        let mut seen: Vec<(usize, replica::ServerIdentity)> = Vec::new();
        let mut replicas = Vec::new();
        let mut skipped = Vec::new();
        for (index, settings) in read_replicas.replicas.iter().enumerate() {
            let field = format!("replicas[{index}]");
            let verdict = match replica::replica_position(settings, &position) {
                Err(err) => Verdict::Skipped(format!("unreachable: {}", error_chain(&err))),
                Ok(found) => {
                    check_identity(index, settings, primary, &position, &found, &seen)?;
                    seen.push((index, found.identity.clone()));
                    judge(&found, read_replicas.max_lag)
                }
            };
            let reader = match verdict {
                Verdict::Healthy(lag) => PgMarketDataReader::connect(settings, &replica_config)
                    .map(|reader| (reader, lag))
                    .map_err(|err| error_chain(&err)),
                Verdict::Skipped(reason) => Err(reason),
            };
            match reader {
                Ok((reader, lag)) => {
                    tracing::info!(replica = %settings, field, ?lag, "reading from this replica");
                    replicas.push(Replica {
                        field,
                        settings: settings.clone(),
                        reader,
                        down: AtomicBool::new(false),
                        behind: AtomicBool::new(false),
                    });
                }
                Err(reason) => {
                    tracing::warn!(replica = %settings, field, reason, "read replica skipped");
                    skipped.push(format!("{field} {settings}: {reason}"));
                }
            }
        }
        if replicas.is_empty() && read_replicas.fallback == Fallback::Fail {
            return Err(ReplicaError::NoHealthyReplica {
                source: ReadError::unavailable(skipped.join("; ")),
            });
        }
        let primary_reader = match read_replicas.fallback {
            Fallback::Fail => None,
            Fallback::Primary => Some(
                PgMarketDataReader::connect(primary, config)
                    .map_err(|source| ReplicaError::PrimaryReader { primary: primary.to_string(), source })?,
            ),
        };
        if replicas.is_empty() {
            tracing::warn!(primary = %primary, "no healthy read replica: reading from the primary (fallback: primary)");
        }
        Ok(ReplicaReader {
            replicas,
            primary: primary_reader,
            primary_name: primary.to_string(),
            symbols: symbols.clone(),
            next: AtomicUsize::new(0),
            primary_settings: primary.clone(),
            max_lag: read_replicas.max_lag,
            lag_checked: Mutex::new(Instant::now()),
        })
    }

    /// Measures each replica's lag again when [`lag_check_interval`] has passed since the last
    /// time; a read that finds another thread measuring goes on without waiting.
    fn check_lag_when_due(&self) {
        let Ok(mut checked) = self.lag_checked.try_lock() else { return };
        if self.replicas.is_empty() || checked.elapsed() < lag_check_interval(self.max_lag) {
            return;
        }
        let position = match replica::primary_position(&self.primary_settings) {
            Ok(position) => position,
            Err(err) => {
                tracing::warn!(primary = %self.primary_settings, error = %error_chain(&err), "cannot measure the replicas' lag: the primary does not answer");
                *checked = Instant::now();
                return;
            }
        };
        for replica in self.replicas.iter().filter(|r| !r.down.load(Ordering::Acquire)) {
            // One that does not answer is left to its reads: a failed read checks it.
            let Ok(found) = replica::replica_position(&replica.settings, &position) else { continue };
            match judge(&found, self.max_lag) {
                Verdict::Healthy(lag) => {
                    if replica.behind.swap(false, Ordering::AcqRel) {
                        tracing::info!(replica = %replica.settings, field = replica.field, ?lag, "read replica caught up: it takes reads again");
                    }
                }
                Verdict::Skipped(reason) => {
                    if !replica.behind.swap(true, Ordering::AcqRel) {
                        tracing::warn!(
                            replica = %replica.settings,
                            field = replica.field,
                            "read replica fell behind mid-job ({reason}); its reads go to {} until it catches up",
                            self.elsewhere()
                        );
                    }
                }
            }
        }
        *checked = Instant::now();
    }

    /// Where reads go besides the replicas that take none now.
    fn elsewhere(&self) -> String {
        let left = self.replicas.iter().filter(|r| r.takes_reads()).count();
        match (left, &self.primary) {
            (0, Some(_)) => format!("the primary {} (fallback: primary)", self.primary_name),
            (0, None) => "nowhere: they fail (fallback: fail)".to_owned(),
            (n, _) => format!("the {n} other replica(s)"),
        }
    }

    /// The replicas reads go to (the job file's names, `replicas[0]` …), the ones left out before
    /// the job or since apart.
    pub fn healthy(&self) -> Vec<String> {
        self.replicas.iter().filter(|r| r.takes_reads()).map(|r| r.field.clone()).collect()
    }

    /// Runs `op` on the replica of `symbol` (or the next in turn when it names none), moving on as
    /// the module's doc says when a replica is down.
    fn route<T>(
        &self,
        symbol: Option<&Symbol>,
        op: &dyn Fn(&PgMarketDataReader) -> Result<T, ReadError>,
    ) -> Result<T, ReadError> {
        self.check_lag_when_due();
        let count = self.replicas.len();
        if count > 0 {
            let place = symbol
                .and_then(|s| self.symbols.as_slice().binary_search_by(|x| x.as_str().cmp(s.as_str())).ok())
                .unwrap_or_else(|| self.next.fetch_add(1, Ordering::Relaxed));
            for k in 0..count {
                let replica = &self.replicas[(place + k) % count];
                if !replica.takes_reads() {
                    continue;
                }
                if let Some(answer) = self.on_replica(replica, &op) {
                    return answer;
                }
            }
        }
        match &self.primary {
            Some(primary) => op(primary),
            None => Err(ReadError::unavailable(format!(
                "no healthy read replica is left of {count} and fallback: fail"
            ))),
        }
    }

    /// `op` on `replica`: its answer, or `None` when the replica is down (then marked so).
    fn on_replica<T>(
        &self,
        replica: &Replica,
        op: &dyn Fn(&PgMarketDataReader) -> Result<T, ReadError>,
    ) -> Option<Result<T, ReadError>> {
        for attempt in 1..=2 {
            let err = match op(&replica.reader) {
                Err(ReadError::Unavailable(err)) => err,
                answer => return Some(answer),
            };
            let check = match replica::is_standby(&replica.settings) {
                Ok(true) => {
                    // Still a standby: a dropped connection is retried once on a fresh one; any
                    // other failure is the read's own, as it would be on the primary.
                    let transient =
                        err.downcast_ref::<postgres::Error>().is_some_and(super::postgres::is_transient);
                    if attempt == 1 && transient {
                        tracing::info!(replica = %replica.settings, error = %error_chain(&*err), "retrying a read on its replica");
                        continue;
                    }
                    return Some(Err(ReadError::Unavailable(err)));
                }
                Ok(false) => "it is no longer in recovery".to_owned(),
                Err(check) => format!("it does not answer: {}", error_chain(&check)),
            };
            if !replica.down.swap(true, Ordering::AcqRel) {
                let next = self.elsewhere();
                tracing::warn!(
                    replica = %replica.settings,
                    field = replica.field,
                    error = %error_chain(&*err),
                    "read replica failed mid-job ({check}); its reads go to {next}"
                );
            }
            return None;
        }
        None
    }
}

/// An error when `found` is the primary itself, another cluster's server, or a replica listed
/// before.
fn check_identity(
    index: usize,
    settings: &ConnectionSettings,
    primary: &ConnectionSettings,
    position: &PrimaryPosition,
    found: &ReplicaPosition,
    seen: &[(usize, replica::ServerIdentity)],
) -> Result<(), ReplicaError> {
    let replica = settings.to_string();
    if found.identity == position.identity {
        return Err(ReplicaError::IsPrimary {
            index,
            replica,
            system_identifier: found.identity.system_identifier,
            started: found.identity.started.clone(),
        });
    }
    if found.identity.system_identifier != position.identity.system_identifier {
        return Err(ReplicaError::OtherCluster {
            index,
            replica,
            primary: primary.to_string(),
            theirs: found.identity.system_identifier,
            ours: position.identity.system_identifier,
        });
    }
    if let Some((first, _)) = seen.iter().find(|(_, identity)| *identity == found.identity) {
        return Err(ReplicaError::Repeated { index, first: *first, replica });
    }
    Ok(())
}

/// Whether a standby of the primary may take reads: in recovery, and within `max_lag`.
fn judge(found: &ReplicaPosition, max_lag: Duration) -> Verdict {
    if !found.in_recovery {
        return Verdict::Skipped("not in recovery (promoted, or not a standby)".to_owned());
    }
    let behind = found.unreplayed_bytes.unwrap_or(0.0).max(0.0);
    match found.lag() {
        Some(lag) if lag <= max_lag => Verdict::Healthy(lag),
        Some(lag) => Verdict::Skipped(format!(
            "{:.1} s behind the primary ({behind:.0} bytes of WAL not replayed; max_lag_secs: {})",
            lag.as_secs_f64(),
            max_lag.as_secs()
        )),
        None => Verdict::Skipped(format!(
            "behind the primary by an unknown time ({behind:.0} bytes of WAL not replayed, and no transaction \
             replayed since it started)"
        )),
    }
}

impl super::ReadAround for ReplicaReader {
    type Inner = PgMarketDataReader;

    fn around<T>(
        &self,
        symbol: Option<&Symbol>,
        read: &dyn Fn(&PgMarketDataReader) -> Result<T, ReadError>,
    ) -> Result<T, ReadError> {
        self.route(symbol, read)
    }
}

super::read_around!(ReplicaReader);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pg::replica::ServerIdentity;

    fn found(in_recovery: bool, unreplayed_bytes: Option<f64>, replay_age: Option<u64>) -> ReplicaPosition {
        ReplicaPosition {
            identity: ServerIdentity { system_identifier: 7, started: "then".into() },
            in_recovery,
            unreplayed_bytes,
            replay_age: replay_age.map(Duration::from_secs),
        }
    }

    fn skipped(verdict: Verdict) -> String {
        match verdict {
            Verdict::Skipped(reason) => reason,
            Verdict::Healthy(lag) => panic!("healthy, {lag:?} behind"),
        }
    }

    #[test]
    fn a_replica_is_judged_by_its_lag_against_the_bound() {
        let bound = Duration::from_secs(30);
        assert!(
            matches!(judge(&found(true, Some(0.0), Some(7200)), bound), Verdict::Healthy(d) if d.is_zero())
        );
        assert!(matches!(judge(&found(true, Some(10.0), Some(30)), bound), Verdict::Healthy(_)));
        assert_eq!(
            skipped(judge(&found(true, Some(4096.0), Some(31)), bound)),
            "31.0 s behind the primary (4096 bytes of WAL not replayed; max_lag_secs: 30)"
        );
        assert!(skipped(judge(&found(true, Some(1.0), None), bound)).contains("unknown time"));
        assert_eq!(
            skipped(judge(&found(false, None, None), bound)),
            "not in recovery (promoted, or not a standby)"
        );
    }

    #[test]
    fn the_primary_itself_another_cluster_and_a_repeat_are_errors() {
        let primary = ConnectionSettings::parse("postgresql://u@db:5432/market").unwrap();
        let replica = ConnectionSettings::parse("postgresql://u@db-ro:5432/market").unwrap();
        let position = PrimaryPosition {
            identity: ServerIdentity { system_identifier: 7, started: "then".into() },
            wal_lsn: "0/3000000".into(),
        };
        let err =
            check_identity(0, &replica, &primary, &position, &found(false, None, None), &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "database.replicas[0]: postgresql://u@db-ro:5432/market is the primary itself (system identifier 7, \
             started then) (expected a standby of it)"
        );
        let mut other = found(true, Some(0.0), None);
        other.identity = ServerIdentity { system_identifier: 8, started: "later".into() };
        assert!(
            check_identity(1, &replica, &primary, &position, &other, &[]).unwrap_err().to_string().contains(
                "is not a standby of the primary postgresql://u@db:5432/market (system identifier 8"
            )
        );
        let standby = ServerIdentity { system_identifier: 7, started: "later".into() };
        let mut again = found(true, Some(0.0), None);
        again.identity = standby.clone();
        assert!(check_identity(2, &replica, &primary, &position, &again, &[]).is_ok());
        assert!(
            check_identity(2, &replica, &primary, &position, &again, &[(0, standby)])
                .unwrap_err()
                .to_string()
                .contains("is the same server as database.replicas[0]")
        );
    }

    #[test]
    fn fallback_names_parse() {
        assert_eq!(Fallback::parse("primary"), Some(Fallback::Primary));
        assert_eq!(Fallback::parse("fail"), Some(Fallback::Fail));
        assert_eq!(Fallback::parse("Primary"), None);
        assert_eq!(Fallback::default().to_string(), "primary");
    }
}
