//! A Python or JavaScript plugin that fails is reported in its own words: an uncaught exception by
//! the end of its stderr (the exception, not the toolchain's panic or abort around it), its own
//! error (`raise Err(...)`, `throw { tag: 'failed', val }`) as the unit's message, a table of the
//! wrong types by what the generated bindings said of it, parameters its `plan` refuses before
//! any unit runs. What each language's README promises.
//!
//! The plugins (`tests/guest-errors/<lang>/<name>/`, samplers of contract 0.2) are built here
//! against `wit/`, when their source or the WIT package is newer than their component in
//! `target/guest-errors/`, with the toolchains `scripts/build-plugins`
//! installs: componentize-py in `target/toolchains/python`, jco in `plugins/js/swings/node_modules`,
//! with the flags it builds the example plugins with. They run through `candlewick test` over the
//! embedded sample's bars.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::{repo_path, stderr, stdout};

/// The component of `tests/guest-errors/<lang>/<name>`, built by `build` into `target/guest-errors`
/// unless it is newer than every file of its folder and of `wit/` (the contract it builds against;
/// the older contracts in `wit/<version>/` are not read).
fn component(lang: &str, name: &str, build: impl FnOnce(&Path, &Path) -> Command) -> PathBuf {
    let dir = repo_path(&format!("tests/guest-errors/{lang}/{name}"));
    let out = repo_path(&format!("target/guest-errors/{name}.wasm"));
    let modified = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let files = |dir: &Path| std::fs::read_dir(dir).unwrap().map(|entry| entry.unwrap().path());
    let newest_source = files(&dir)
        .chain(files(&repo_path("wit")).filter(|path| path.extension().is_some_and(|ext| ext == "wit")))
        .filter_map(|path| modified(&path))
        .max()
        .unwrap();
    if modified(&out).is_none_or(|built| built < newest_source) {
        std::fs::create_dir_all(out.parent().unwrap()).unwrap();
        let output = build(&dir, &out).current_dir(repo_path("")).output().expect("the toolchain runs");
        assert!(
            output.status.success(),
            "building {}:\n{}\n{}",
            out.display(),
            stdout(&output),
            stderr(&output)
        );
    }
    out
}

/// A toolchain's program, installed by `scripts/build-plugins`.
fn tool(relative: &str) -> PathBuf {
    let path = repo_path(relative);
    assert!(path.exists(), "{} is missing: run scripts/build-plugins (scripts/test does)", path.display());
    path
}

/// What `candlewick test` says when `component` runs with `case`: the exit code and the error line.
fn fail(component: &Path, case: &str) -> (Option<i32>, String) {
    let output = support::run(&[
        "test",
        component.to_str().unwrap(),
        "--fixture",
        repo_path(support::SAMPLE).to_str().unwrap(),
        "--symbol",
        "EURUSD",
        "--timeframe",
        "1h",
        "--end",
        "2018-01-31T23:00:00Z",
        "--params",
        &format!("case={case}"),
    ]);
    (output.status.code(), stderr(&output))
}

#[test]
fn a_python_plugins_failures_are_shown_in_its_own_words() {
    let wasm = component("python", "pyerrors", |dir, out| {
        let venv = tool("target/toolchains/python");
        let mut command = Command::new(venv.join("bin/componentize-py"));
        command.env("VIRTUAL_ENV", &venv).args(["-d", "wit", "-w", "sampler", "componentize", "-p"]);
        command.arg(dir).arg("pyerrors").arg("-o").arg(out);
        command
    });
    let source =
        std::fs::read_to_string(repo_path("tests/guest-errors/python/pyerrors/pyerrors.py")).unwrap();
    let line = |text: &str| source.lines().position(|l| l.contains(text)).unwrap() + 1;
    let (code, text) = fail(&wasm, "raise");
    assert_eq!(code, Some(1), "{text}");
    assert_eq!(
        text,
        format!(
            "error: plugin pyerrors on EURUSD: panicked or aborted; its stderr ends: File \"/0/pyerrors.py\", \
             line {}, in sample | File \"/0/pyerrors.py\", line {}, in check | ValueError: no good on EURUSD\n",
            line("return check(unit.symbol)"),
            line("raise ValueError")
        )
    );
    assert_eq!(
        fail(&wasm, "err"),
        (Some(1), "error: plugin pyerrors on EURUSD: the plugin's own error on EURUSD\n".into())
    );
    let (code, text) = fail(&wasm, "type");
    assert_eq!(code, Some(1), "{text}");
    assert!(text.ends_with("TypeError('must be real number, not str'), traceback: None }\n"), "{text}");
    assert_eq!(fail(&wasm, "plan"), (Some(1), PLAN_REFUSED.replace("NAME", "pyerrors")));
}

/// What `candlewick test` says when a plugin's `plan` refuses the parameters with
/// `invalid-params` (`NAME` for the plugin's name): no unit ran.
const PLAN_REFUSED: &str =
    "error: plugin NAME: plan: invalid parameters: parameter \"case\" is \"plan\": refused in plan\n";

#[test]
fn a_javascript_plugins_failures_are_shown_in_its_own_words() {
    let wasm = component("js", "jserrors", |dir, out| {
        let mut command = Command::new(tool("plugins/js/swings/node_modules/.bin/jco"));
        command.arg("componentize").arg(dir.join("jserrors.js"));
        // scripts/lib/guest-toolchains.sh's flags: every WASI feature but stdio disabled.
        command.args(["--wit", "wit", "--world-name", "sampler"]);
        command.args(["--disable", "clocks", "http", "random", "fetch-event", "-o"]).arg(out);
        command
    });
    assert_eq!(
        fail(&wasm, "throw"),
        (
            Some(1),
            "error: plugin jserrors on EURUSD: panicked or aborted; its stderr ends: invalid variant tag value \
             `undefined` (received `TypeError: no good on EURUSD`) specified for `PluginError`\n"
                .into()
        )
    );
    assert_eq!(
        fail(&wasm, "failed"),
        (Some(1), "error: plugin jserrors on EURUSD: the plugin's own error on EURUSD\n".into())
    );
    let (code, text) = fail(&wasm, "number");
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("its stderr ends: invalid s64 value "), "{text}");
    assert_eq!(fail(&wasm, "plan"), (Some(1), PLAN_REFUSED.replace("NAME", "jserrors")));
}
