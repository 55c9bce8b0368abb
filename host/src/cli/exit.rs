//! The exit status of every subcommand, decided here and nowhere else. Each outcome has its own
//! code, so a script or a scheduler can tell them apart.

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
            Exit::Interrupted => 130,
            Exit::Terminated => 143,
        }
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
            Exit::Interrupted,
            Exit::Terminated,
        ];
        let codes: std::collections::BTreeSet<u8> = all.iter().map(|e| e.code()).collect();
        assert_eq!(codes.len(), all.len());
        for exit in all {
            assert!(HELP.contains(&format!("\n  {:<3} ", exit.code())), "{exit:?} in --help");
        }
    }
}
