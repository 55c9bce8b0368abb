//! A plugin's last words: the end of its stderr as a failed unit's line quotes it. The lines its
//! own code wrote are kept; what its toolchain's runtime adds around a crash is left out, so that
//! an author reads their own panic, exception or error, escaped and bounded (`untrusted.rs`).
//!
//! What each toolchain writes when a guest crashes (seen with the pinned versions):
//! - Rust: `thread '<unnamed>' panicked at src/lib.rs:9:5:`, the message, then
//!   ``note: run with `RUST_BACKTRACE=1` …`` (left out).
//! - Python (componentize-py 0.25.1): the exception's traceback, then the runtime's own panic,
//!   `thread '<unnamed>' (1) panicked at runtime/src/lib.rs:…:` and `Python function threw an
//!   unexpected exception` (left out: the traceback says it better). A table of the wrong types
//!   panics in that runtime with the Python `TypeError` in its message (kept).
//! - JavaScript (componentize-js 0.23.0, built with stdio): ``invalid variant tag value
//!   `undefined` (received `Error: …`) specified for `PluginError` `` for an uncaught error,
//!   `invalid s64 value …` for a number where a `BigInt` belongs, then `Stack:` with frames of
//!   the generated glue (left out) and `Redirecting call to abort() to mozalloc_abort` (left out).

use super::untrusted::escape_end;

/// Lines quoted: a Rust panic's location and message, or a Python exception with its innermost
/// frame.
const QUOTED_LINES: usize = 3;

/// Bytes quoted, escaped: the failed unit's line stays about six terminal lines long, enough for
/// a panic's location and message or an exception's frame and message.
const QUOTED_BYTES: usize = 512;

/// Lines a toolchain adds to a crash, which say nothing about the plugin.
const NOISE: [&str; 2] = [
    // Rust's panic handler.
    "note: run with `RUST_BACKTRACE=",
    // SpiderMonkey (componentize-js), aborting after an uncaught error.
    "Redirecting call to abort() to mozalloc_abort",
];

/// componentize-py's panic after an uncaught exception, whose traceback it has printed.
const PYTHON_UNCAUGHT: &str = "Python function threw an unexpected exception";

/// The last [`QUOTED_LINES`] lines of `stderr` that say something, on one line (`a | b`, or `a: b`
/// after a line ending in a colon), escaped, at most [`QUOTED_BYTES`] of its end. Empty when the
/// plugin wrote nothing of its own.
pub(super) fn last_words(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let mut lines: Vec<&str> = Vec::new();
    let mut in_stack = false;
    for raw in text.lines() {
        // componentize-js's `Stack:` is followed by indented frames of its generated glue.
        if in_stack && raw.starts_with([' ', '\t']) {
            continue;
        }
        let line = raw.trim();
        in_stack = line == "Stack:";
        if in_stack || line.is_empty() || NOISE.iter().any(|noise| line.starts_with(noise)) {
            continue;
        }
        if line == PYTHON_UNCAUGHT && lines.last().is_some_and(|l| is_panic_header(l)) {
            lines.pop();
            continue;
        }
        lines.push(line);
    }
    let mut joined = String::new();
    for line in &lines[lines.len().saturating_sub(QUOTED_LINES)..] {
        if !joined.is_empty() {
            joined.push_str(if joined.ends_with(':') { " " } else { " | " });
        }
        joined.push_str(line);
    }
    escape_end(&joined, QUOTED_BYTES)
}

/// `thread '<unnamed>' panicked at src/lib.rs:9:5:`, with or without a thread id.
fn is_panic_header(line: &str) -> bool {
    line.starts_with("thread '") && line.contains(" panicked at ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rust_panic_is_its_location_and_message() {
        let stderr =
            b"\nthread '<unnamed>' panicked at src/lib.rs:9:5:\nboom\nnote: run with `RUST_BACKTRACE=1` \
            environment variable to display a backtrace\n";
        assert_eq!(last_words(stderr), "thread '<unnamed>' panicked at src/lib.rs:9:5: boom");
        assert_eq!(last_words(b""), "");
    }

    #[test]
    fn a_python_exception_is_its_traceback_without_the_runtimes_panic() {
        let stderr = b"Traceback (most recent call last):\n  File \"/0/app.py\", line 17, in build\n\
            ValueError: no good on EURUSD\n\nthread '<unnamed>' (1) panicked at runtime/src/lib.rs:1293:29:\n\
            Python function threw an unexpected exception\nnote: run with `RUST_BACKTRACE=1` environment \
            variable to display a backtrace\n";
        assert_eq!(
            last_words(stderr),
            "Traceback (most recent call last): File \"/0/app.py\", line 17, in build | ValueError: no good on EURUSD"
        );
    }

    #[test]
    fn a_javascript_error_is_its_message_without_the_glues_stack() {
        let stderr =
            b"about to fail\ninvalid variant tag value `undefined` (received `Error: no good`) specified \
            for `PluginError`\nStack:\n  export_build@/tmp/x/sources/initializer.js:1865:17\n\n\
            Redirecting call to abort() to mozalloc_abort\n\n";
        assert_eq!(
            last_words(stderr),
            "about to fail | invalid variant tag value `undefined` (received `Error: no good`) specified for \
             `PluginError`"
        );
    }

    #[test]
    fn last_words_are_escaped_and_bounded() {
        let stderr = "\u{1b}[2Jfake\r\nunits: 4 ok, 0 failed\n".as_bytes();
        assert_eq!(last_words(stderr), r"\u{1b}[2Jfake | units: 4 ok, 0 failed");
        let long = "é".repeat(100_000);
        let words = last_words(long.as_bytes());
        assert!(words.starts_with('…') && words.len() <= QUOTED_BYTES + '…'.len_utf8(), "{words}");
        let many: String = (0..10).map(|i| format!("line {i}\n")).collect();
        assert_eq!(last_words(many.as_bytes()), "line 7 | line 8 | line 9");
    }
}
