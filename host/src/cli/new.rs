//! `candlewick new --lang rust|python|js|go NAME`: a self-contained plugin project in `./NAME`, in
//! any folder. The binary carries the templates and the WIT of contract 0.2 (`wit/`); the project
//! gets its own copy of both, its build file (and lock, where the language has one), a README, a
//! native test where the language has a runner, and a scenario (`scenario/`) that `candlewick
//! test --scenario scenario` runs against the built component. `candlewick build` (build.rs)
//! builds it.

use super::Exit;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The plugin's language
    #[arg(long, value_enum)]
    pub lang: Lang,
    /// The plugin's name, and the folder made for it in the current directory: lowercase letters,
    /// digits and dashes, starting with a letter
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Lang {
    Rust,
    Python,
    Js,
    Go,
}

/// A template file: where it goes in the project (with placeholders) and its text.
type TemplateFile = (&'static str, &'static str);

/// The WIT package of contract 0.2, as the host reads it: every `wit/*.wit` file
/// (`tests::the_binary_carries_every_wit_file` holds this list to the folder).
pub(crate) const WIT: &[TemplateFile] = &[
    ("wit/plugin.wit", include_str!("../../../wit/plugin.wit")),
    ("wit/reader.wit", include_str!("../../../wit/reader.wit")),
    ("wit/types.wit", include_str!("../../../wit/types.wit")),
    ("wit/kernels.wit", include_str!("../../../wit/kernels.wit")),
    ("wit/columns.wit", include_str!("../../../wit/columns.wit")),
];

/// The bars every template's scenario runs on: the first 30 EURUSD 1h bars of 2018.
const SCENARIO_BARS: TemplateFile = ("scenario/bars.csv", include_str!("../../templates/scenario-bars.csv"));

const RUST: &[TemplateFile] = &[
    ("Cargo.toml", include_str!("../../templates/rust/Cargo.toml.tmpl")),
    ("Cargo.lock", include_str!("../../templates/rust/Cargo.lock.tmpl")),
    ("README.md", include_str!("../../templates/rust/README.md")),
    (".gitignore", "/target\n"),
    ("src/lib.rs", include_str!("../../templates/rust/src/lib.rs")),
    ("scenario/scenario.yaml", include_str!("../../templates/rust/scenario/scenario.yaml")),
    ("scenario/expected.csv", include_str!("../../templates/rust/scenario/expected.csv")),
    // The toolkit of the repository's Rust plugins (plugins/guest-support), vendored: the project
    // builds without the checkout. `tests::the_rust_template_vendors_all_of_guest_support`.
    ("guest-support/Cargo.toml", include_str!("../../templates/rust/guest-support.Cargo.toml")),
    ("guest-support/src/lib.rs", include_str!("../../../plugins/guest-support/src/lib.rs")),
    ("guest-support/src/batch.rs", include_str!("../../../plugins/guest-support/src/batch.rs")),
    ("guest-support/src/fma.rs", include_str!("../../../plugins/guest-support/src/fma.rs")),
    ("guest-support/src/glue.rs", include_str!("../../../plugins/guest-support/src/glue.rs")),
    ("guest-support/src/params.rs", include_str!("../../../plugins/guest-support/src/params.rs")),
    ("guest-support/src/table.rs", include_str!("../../../plugins/guest-support/src/table.rs")),
    ("guest-support/src/window.rs", include_str!("../../../plugins/guest-support/src/window.rs")),
];

const PYTHON: &[TemplateFile] = &[
    ("world", include_str!("../../templates/python/world")),
    ("{{module}}.py", include_str!("../../templates/python/plugin.py")),
    ("compute.py", include_str!("../../templates/python/compute.py")),
    ("test_compute.py", include_str!("../../templates/python/test_compute.py")),
    ("README.md", include_str!("../../templates/python/README.md")),
    (".gitignore", "/target\n__pycache__/\n"),
    // Columns over the host's native kernels (`from series import Series`), and the same kernels
    // in plain Python that answer in native tests: the repository's plugins/python/lib, copied.
    ("series.py", include_str!("../../../plugins/python/lib/series.py")),
    ("kernels_ref.py", include_str!("../../../plugins/python/lib/kernels_ref.py")),
    ("columns_ref.py", include_str!("../../../plugins/python/lib/columns_ref.py")),
    ("scenario/scenario.yaml", include_str!("../../templates/python/scenario/scenario.yaml")),
    ("scenario/expected.csv", include_str!("../../templates/python/scenario/expected.csv")),
];

const JS: &[TemplateFile] = &[
    ("world", include_str!("../../templates/js/world")),
    ("{{name}}.js", include_str!("../../templates/js/plugin.js")),
    ("{{name}}.test.js", include_str!("../../templates/js/plugin.test.js")),
    ("package.json", include_str!("../../templates/js/package.json")),
    ("package-lock.json", include_str!("../../templates/js/package-lock.json")),
    ("README.md", include_str!("../../templates/js/README.md")),
    (".gitignore", "/target\nnode_modules/\n"),
    // The reader stub of the native tests: the JavaScript plugins' shared one, copied so that the
    // project's `npm test` needs nothing outside it.
    ("wit-stub/register.mjs", include_str!("../../../plugins/js/wit-stub/register.mjs")),
    ("wit-stub/hooks.mjs", include_str!("../../../plugins/js/wit-stub/hooks.mjs")),
    ("wit-stub/reader.mjs", include_str!("../../../plugins/js/wit-stub/reader.mjs")),
    ("wit-stub/kernels.mjs", include_str!("../../../plugins/js/wit-stub/kernels.mjs")),
    // Columns over the host's native kernels (`import { Series } from './series.js'`): the
    // repository's plugins/js/lib/series.js, copied; `candlewick build` bundles it.
    ("series.js", include_str!("../../../plugins/js/lib/series.js")),
    ("scenario/scenario.yaml", include_str!("../../templates/js/scenario/scenario.yaml")),
    ("scenario/expected.csv", include_str!("../../templates/js/scenario/expected.csv")),
];

const GO: &[TemplateFile] = &[
    ("world", include_str!("../../templates/go/world")),
    ("go.mod", include_str!("../../templates/go/go.mod.tmpl")),
    ("README.md", include_str!("../../templates/go/README.md")),
    (
        ".gitignore",
        "/target\n# Written by `candlewick build`: the bindings of wit/ (wit-bindgen-go) and their runtime\n\
         /wit_exports.go\n/wit_world/\n/candlewick_market_data_*/\n/go-pkg/\n",
    ),
    ("export_wit_world/plugin.go", include_str!("../../templates/go/export_wit_world/plugin.go")),
    ("compute/compute.go", include_str!("../../templates/go/compute/compute.go")),
    ("compute/compute_test.go", include_str!("../../templates/go/compute/compute_test.go")),
    ("scenario/scenario.yaml", include_str!("../../templates/go/scenario/scenario.yaml")),
    ("scenario/expected.csv", include_str!("../../templates/go/scenario/expected.csv")),
];

impl Lang {
    fn template(self) -> &'static [TemplateFile] {
        match self {
            Lang::Rust => RUST,
            Lang::Python => PYTHON,
            Lang::Js => JS,
            Lang::Go => GO,
        }
    }

    pub(crate) fn title(self) -> &'static str {
        match self {
            Lang::Rust => "Rust",
            Lang::Python => "Python",
            Lang::Js => "JavaScript",
            Lang::Go => "Go",
        }
    }

    /// The command that runs the project's tests, from its folder, once `candlewick build` has
    /// built it: the native tests where the language has a runner on a plain machine, then the
    /// scenario through the built component.
    fn test_command(self) -> &'static str {
        match self {
            Lang::Rust => "cargo test && candlewick test --scenario scenario",
            Lang::Python => "python3 -m unittest && candlewick test --scenario scenario",
            Lang::Js => "npm test && candlewick test --scenario scenario",
            // Go's own tests (`go test ./compute`) need a Go on PATH; `candlewick build` installs
            // one into its toolchain cache, and the README says how to use it.
            Lang::Go => "candlewick test --scenario scenario",
        }
    }

    /// Names that a plugin of this language may not take: they clash with a file or module of
    /// the template, the language's toolchain or the bindings.
    fn reserved(self) -> &'static [&'static str] {
        match self {
            Lang::Rust => {
                &["test", "std", "core", "alloc", "proc-macro", "self", "super", "crate", "guest-support"]
            }
            Lang::Python => &[
                // The template's own modules (and the standard modules they import), the bindings'
                // packages and the worlds' names (componentize-py generates a module per world).
                "compute",
                "test-compute",
                "series",
                "kernels-ref",
                "columns-ref",
                "bisect",
                "dataclasses",
                "enum",
                "math",
                "wit-world",
                "componentize-py-types",
                "feature-builder",
                "sampler",
                "cross-section",
                "columnar-feature-builder",
                "columnar-sampler",
                "poll-loop",
                // Keywords and soft keywords, which no module can be named.
                "and",
                "as",
                "assert",
                "async",
                "await",
                "break",
                "class",
                "continue",
                "def",
                "del",
                "elif",
                "else",
                "except",
                "finally",
                "for",
                "from",
                "global",
                "if",
                "import",
                "in",
                "is",
                "lambda",
                "nonlocal",
                "not",
                "or",
                "pass",
                "raise",
                "return",
                "try",
                "while",
                "with",
                "yield",
            ],
            Lang::Js => &["wit-stub", "node-modules"],
            Lang::Go => &["compute", "export-wit-world", "go-pkg"],
        }
    }
}

pub fn run(args: &NewArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    check_name(args.lang, &args.name)?;
    let cwd = std::env::current_dir().context("reading the current directory")?;
    let dir = cwd.join(&args.name);
    refuse_non_empty(&dir)?;
    let module = args.name.replace('-', "_");
    let fill = |text: &str| text.replace("{{name}}", &args.name).replace("{{module}}", &module);
    let files: Vec<TemplateFile> =
        args.lang.template().iter().copied().chain(WIT.iter().copied()).chain([SCENARIO_BARS]).collect();
    for (path, text) in &files {
        let path = dir.join(fill(path));
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        let text =
            if path.ends_with("guest-support/src/lib.rs") { without_kernels(text) } else { fill(text) };
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    writeln!(
        out,
        "created {}/: a {} plugin (world feature-builder, contract candlewick:market-data@0.2.0), {} files",
        args.name,
        args.lang.title(),
        files.len()
    )?;
    writeln!(out, "\nbuild and test it:\n  cd {}", args.name)?;
    writeln!(out, "  candlewick build      # → target/plugins/{}.wasm", args.name)?;
    writeln!(out, "  {}", args.lang.test_command())?;
    Ok(Exit::Success)
}

/// guest-support's lib.rs without the `kernels` and `columns` modules (their `mod` lines and their
/// lines in the docs): they call the host through bindings of the checkout's `wit/` and, natively,
/// the `candlewick-kernels` crate of the workspace, neither of which a project outside the
/// checkout has, so the Rust template does not vendor them.
fn without_kernels(lib: &str) -> String {
    let mut out: String = lib
        .lines()
        .filter(|line| {
            !(line.contains("mod kernels;")
                || line.contains("[`kernels`]")
                || line.contains("`kernels::")
                || line.contains("mod columns;")
                || line.contains("[`columns`]"))
        })
        .collect::<Vec<_>>()
        .join("\n");
    out.push('\n');
    out
}

/// Refuses a folder that exists and is not empty (or is not a folder), before anything is written.
fn refuse_non_empty(dir: &Path) -> anyhow::Result<()> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                bail!(
                    "{} exists and is not empty: choose another name, or remove it (nothing was written)",
                    dir.display()
                );
            }
            Ok(())
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(_) if dir.exists() => bail!("{} exists and is not a folder (nothing was written)", dir.display()),
        Err(err) => Err(err).with_context(|| format!("reading {}", dir.display())),
    }
}

/// A plugin name: the component's name (`target/plugins/NAME.wasm`), the folder's, and the
/// package's of its language (a Rust crate, an npm package, a Python module with `_` for `-`).
fn check_name(lang: Lang, name: &str) -> anyhow::Result<()> {
    let valid = (1..=40).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && !name.contains("--")
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid {
        let hint = match suggest(name) {
            Some(good) => format!("try {good:?}"),
            None => "e.g. \"my-feature\"".to_owned(),
        };
        bail!(
            "plugin name {name:?} is not a valid {} plugin name: expected lowercase letters, digits and single dashes, \
             starting with a letter, at most 40 characters ({hint})",
            lang.title()
        );
    }
    if lang.reserved().contains(&name) {
        bail!(
            "plugin name {name:?} is reserved in a {} plugin (a module, keyword or package of its toolchain has it): \
             try \"{name}-plugin\"",
            lang.title()
        );
    }
    Ok(())
}

/// A valid spelling of `name`: lowercase, `_`, spaces and other separators as single dashes,
/// leading characters that are not letters dropped; `None` when nothing is left.
fn suggest(name: &str) -> Option<String> {
    let mut out = String::new();
    for c in name.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || (c.is_ascii_digit() && !out.is_empty()) {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.truncate(40);
    let out = out.trim_end_matches('-').to_owned();
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Files of plugins/guest-support/src that the Rust template does not vendor (`without_kernels`).
    const NOT_VENDORED: &[&str] = &["kernels.rs", "columns.rs"];

    #[test]
    fn names_are_checked_and_a_valid_spelling_shown() {
        for good in ["sma", "my-sampler2"] {
            for lang in [Lang::Rust, Lang::Python, Lang::Js, Lang::Go] {
                check_name(lang, good).unwrap();
            }
        }
        for (bad, hint) in [
            ("probe_plugin", "try \"probe-plugin\""),
            ("Sma", "try \"sma\""),
            ("2x", "try \"x\""),
            ("a-", "try \"a\""),
            ("my  Plugin!", "try \"my-plugin\""),
            ("", "e.g. \"my-feature\""),
            ("_1", "e.g. \"my-feature\""),
        ] {
            let err = check_name(Lang::Rust, bad).unwrap_err().to_string();
            assert!(err.contains(hint), "{bad}: {err}");
            assert!(err.contains("not a valid Rust plugin name"), "{err}");
            assert!(!err.contains('\n'), "{err}");
        }
        let err = check_name(Lang::Python, "compute").unwrap_err().to_string();
        assert!(err.contains("reserved in a Python plugin"), "{err}");
        check_name(Lang::Rust, "compute").unwrap();
        assert!(check_name(Lang::Python, "lambda").is_err());
        assert!(check_name(Lang::Rust, "test").is_err());
    }

    #[test]
    fn a_folder_that_is_not_empty_is_refused_untouched() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("taken");
        std::fs::create_dir(&dir).unwrap();
        refuse_non_empty(&dir).unwrap();
        std::fs::write(dir.join("notes.txt"), "mine").unwrap();
        let err = refuse_non_empty(&dir).unwrap_err().to_string();
        assert!(err.contains("exists and is not empty") && err.contains("nothing was written"), "{err}");
        assert_eq!(std::fs::read_to_string(dir.join("notes.txt")).unwrap(), "mine");
        let file = tmp.path().join("file");
        std::fs::write(&file, "").unwrap();
        assert!(refuse_non_empty(&file).unwrap_err().to_string().contains("is not a folder"));
        refuse_non_empty(&tmp.path().join("free")).unwrap();
    }

    #[test]
    fn the_binary_carries_every_wit_file() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut on_disk: Vec<String> = std::fs::read_dir(root.join("wit"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".wit"))
            .map(|name| format!("wit/{name}"))
            .collect();
        on_disk.sort();
        let mut carried: Vec<String> = WIT.iter().map(|(path, _)| (*path).to_owned()).collect();
        carried.sort();
        assert_eq!(carried, on_disk, "add the new wit/*.wit file to new::WIT");
    }

    #[test]
    fn the_vendored_guest_support_has_no_kernels_module() {
        let lib = "//! - [`fma`]: fast fma.\n//! - [`kernels`]: the host's kernels:\n//!   `kernels::rsi(&close, 14)`.\n\
                   \npub mod fma;\nmod glue;\npub mod kernels;\npub mod params;\n";
        assert_eq!(
            without_kernels(lib),
            "//! - [`fma`]: fast fma.\n\npub mod fma;\nmod glue;\npub mod params;\n"
        );
        let vendored = RUST.iter().find(|(p, _)| *p == "guest-support/src/lib.rs").unwrap().1;
        assert!(!without_kernels(vendored).contains("mod kernels"));
        assert!(!without_kernels(vendored).contains("mod columns"));
    }

    #[test]
    fn the_rust_template_vendors_all_of_guest_support() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins/guest-support/src");
        for entry in std::fs::read_dir(&root).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            if NOT_VENDORED.contains(&name.as_str()) {
                continue;
            }
            let path = format!("guest-support/src/{name}");
            let carried =
                RUST.iter().find(|(p, _)| *p == path).unwrap_or_else(|| panic!("add {path} to new::RUST"));
            assert_eq!(carried.1, std::fs::read_to_string(root.join(&name)).unwrap());
        }
    }
}
