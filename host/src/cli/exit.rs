//! The exit status of every subcommand, decided here and nowhere else. Each outcome has its own
//! code, so a script or a scheduler can tell them apart: a Kubernetes pod failure policy fails an
//! index at once on the permanent ones (1, 2, 64: the same command would fail the same way) and
//! lets the Job retry the transient ones (75, 143, and a pod killed outright, 137).

use std::process::ExitCode;

/// How `candlewick` ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: everything the command was asked to do was done.
    Success,
    /// 1: the command could not do its work: a job that could not run (its file, source or
    /// plugins), a bad input file, an unreachable database, a check or scenario that failed.
    Failure,
    /// 2: a job ran, and some of its units failed (the others' files were written).
    UnitsFailed,
    /// 64 (`EX_USAGE` of BSD's sysexits.h): the command line itself is wrong.
    Usage,
    /// 75 (`EX_TEMPFAIL` of sysexits.h): the data source was unavailable — a database that could
    /// not be reached or went away, so that the job could not start, or units failed while its
    /// reads failed (after their own retries); an output's object store that did not answer, at
    /// the start or for a unit's upload or the commit. Running again later (with `--resume`) may
    /// succeed.
    Unavailable,
    /// 130 (128 + SIGINT, as a shell reports it): a job stopped by Ctrl-C, its summary printed
    /// and its manifest saying so.
    Interrupted,
    /// 143 (128 + SIGTERM): a job stopped by SIGTERM (`kill`, a Kubernetes eviction), likewise.
    Terminated,
}

impl Exit {
    pub const fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Failure => 1,
            Exit::UnitsFailed => 2,
            Exit::Usage => 64,
            Exit::Unavailable => 75,
            Exit::Interrupted => 130,
            Exit::Terminated => 143,
        }
    }
}

/// The exit of a command that ended in `err`: [`Exit::Unavailable`] when the data source was
/// unavailable (a `ReadError::Unavailable` in its chain) for a reason that may pass
/// (`reader::may_pass`: a refused or lost connection, a server shutting down, a pool that stayed
/// busy) or an output's store did not answer, and [`Exit::Failure`] otherwise — a wrong password,
/// a database or `market_data` table that does not exist, permission denied included: retrying
/// those cannot help.
impl Exit {
    pub fn for_error(err: &anyhow::Error) -> Exit {
        let unavailable = err.chain().any(|cause| {
            matches!(
                cause.downcast_ref::<crate::domain::ReadError>(),
                Some(crate::domain::ReadError::Unavailable(source)) if crate::reader::may_pass(source.as_ref())
            ) || cause.downcast_ref::<crate::job::StoreUnavailable>().is_some()
        });
        if unavailable { Exit::Unavailable } else { Exit::Failure }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit.code())
    }
}

/// The exit statuses as `--help` shows them.
pub const HELP: &str = "Exit status:
  0   success
  1   the command could not do its work (a job that could not run, bad input, a failed check)
  2   a job ran and some of its units failed
  64  usage error (unknown flag, missing argument)
  75  the data source or output store was unavailable (unreachable): transient, run again (--resume)
  130 a job stopped by SIGINT (Ctrl-C): summary printed, manifest marked incomplete
  143 a job stopped by SIGTERM: likewise";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outcome_has_its_own_code_and_help_lists_each() {
        let all = [
            Exit::Success,
            Exit::Failure,
            Exit::UnitsFailed,
            Exit::Usage,
            Exit::Unavailable,
            Exit::Interrupted,
            Exit::Terminated,
        ];
        let codes: std::collections::BTreeSet<u8> = all.iter().map(|e| e.code()).collect();
        assert_eq!(codes.len(), all.len());
        for exit in all {
            assert!(HELP.contains(&format!("\n  {:<3} ", exit.code())), "{exit:?} in --help");
        }
    }

    #[test]
    fn an_unavailable_source_is_transient_and_everything_else_permanent() {
        use crate::domain::{InvalidArgument, ReadError};
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused");
        let err = anyhow::Error::new(ReadError::unavailable(refused)).context("connecting to postgresql://x");
        assert_eq!(Exit::for_error(&err), Exit::Unavailable);
        let err = anyhow::Error::new(ReadError::unavailable(crate::pg::NoMarketDataTable));
        assert_eq!(Exit::for_error(&err), Exit::Failure, "migrate first: retrying cannot help");
        let err = anyhow::Error::new(ReadError::InvalidArgument(InvalidArgument::new("page size 0")));
        assert_eq!(Exit::for_error(&err), Exit::Failure);
        assert_eq!(
            Exit::for_error(&anyhow::anyhow!("job.yaml: line 3: timeframe: expected …")),
            Exit::Failure
        );
    }
}
