//! `candlewick new --lang rust|python|js NAME`: a plugin folder from a template that builds and
//! passes its own test as it is. Run inside a Candlewick checkout: the plugin builds against its
//! `wit/` and with its scripts.

use super::Exit;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The plugin's language
    #[arg(long, value_enum)]
    pub lang: Lang,
    /// The plugin's name: lowercase letters, digits and dashes, starting with a letter
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Lang {
    Rust,
    Python,
    Js,
}

/// A template file: where it goes (relative to the checkout, with placeholders) and its text.
type TemplateFile = (&'static str, &'static str);

const RUST: &[TemplateFile] = &[
    ("plugins/{{name}}/Cargo.toml", include_str!("../../templates/rust/Cargo.toml.tmpl")),
    ("plugins/{{name}}/README.md", include_str!("../../templates/rust/README.md")),
    ("plugins/{{name}}/src/lib.rs", include_str!("../../templates/rust/src/lib.rs")),
    ("plugins/{{name}}/tests/component.rs", include_str!("../../templates/rust/tests/component.rs")),
];

const PYTHON: &[TemplateFile] = &[
    ("plugins/python/{{name}}/world", include_str!("../../templates/python/world")),
    ("plugins/python/{{name}}/{{module}}.py", include_str!("../../templates/python/plugin.py")),
    ("plugins/python/{{name}}/compute.py", include_str!("../../templates/python/compute.py")),
    ("plugins/python/{{name}}/test_compute.py", include_str!("../../templates/python/test_compute.py")),
    ("plugins/python/{{name}}/README.md", include_str!("../../templates/python/README.md")),
    (
        "tests/scenarios/{{name}}-basic/scenario.yaml",
        include_str!("../../templates/python/scenario/scenario.yaml"),
    ),
    ("tests/scenarios/{{name}}-basic/bars.csv", include_str!("../../templates/python/scenario/bars.csv")),
    (
        "tests/scenarios/{{name}}-basic/expected.csv",
        include_str!("../../templates/python/scenario/expected.csv"),
    ),
];

const JS: &[TemplateFile] = &[
    ("plugins/js/{{name}}/world", include_str!("../../templates/js/world")),
    ("plugins/js/{{name}}/{{name}}.js", include_str!("../../templates/js/plugin.js")),
    ("plugins/js/{{name}}/{{name}}.test.js", include_str!("../../templates/js/plugin.test.js")),
    ("plugins/js/{{name}}/package.json", include_str!("../../templates/js/package.json")),
    ("plugins/js/{{name}}/package-lock.json", include_str!("../../templates/js/package-lock.json")),
    ("plugins/js/{{name}}/README.md", include_str!("../../templates/js/README.md")),
    // The reader stub of the native tests: the JavaScript plugins' shared one, copied so that the new
    // plugin's `npm test` does not depend on where it sits.
    ("plugins/js/{{name}}/wit-stub/register.mjs", include_str!("../../../plugins/js/wit-stub/register.mjs")),
    ("plugins/js/{{name}}/wit-stub/hooks.mjs", include_str!("../../../plugins/js/wit-stub/hooks.mjs")),
    ("plugins/js/{{name}}/wit-stub/reader.mjs", include_str!("../../../plugins/js/wit-stub/reader.mjs")),
    (
        "tests/scenarios/{{name}}-basic/scenario.yaml",
        include_str!("../../templates/js/scenario/scenario.yaml"),
    ),
    ("tests/scenarios/{{name}}-basic/bars.csv", include_str!("../../templates/js/scenario/bars.csv")),
    ("tests/scenarios/{{name}}-basic/expected.csv", include_str!("../../templates/js/scenario/expected.csv")),
];

impl Lang {
    fn template(self) -> &'static [TemplateFile] {
        match self {
            Lang::Rust => RUST,
            Lang::Python => PYTHON,
            Lang::Js => JS,
        }
    }

    /// The commands that build and test a plugin of this language, run from the checkout.
    fn next_steps(self, name: &str) -> [String; 2] {
        match self {
            Lang::Rust => ["scripts/build-plugins --rust-only".into(), format!("cargo test -p {name}")],
            Lang::Python => [
                "scripts/build-plugins".into(),
                format!(
                    "(cd plugins/python/{name} && python3 -m unittest) && \
                     cargo run -q -p candlewick -- test --scenario tests/scenarios/{name}-basic"
                ),
            ],
            Lang::Js => [
                "scripts/build-plugins".into(),
                format!(
                    "(cd plugins/js/{name} && npm test) && \
                     cargo run -q -p candlewick -- test --scenario tests/scenarios/{name}-basic"
                ),
            ],
        }
    }
}

pub fn run(args: &NewArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    check_name(&args.name)?;
    let cwd = std::env::current_dir().context("reading the current directory")?;
    let root = checkout(&cwd)?;
    // One namespace for every language: all plugins build to target/plugins/<name>.wasm.
    for taken in [
        format!("plugins/{}", args.name),
        format!("plugins/python/{}", args.name),
        format!("plugins/js/{}", args.name),
    ] {
        if root.join(&taken).exists() {
            bail!("a plugin named {:?} already exists: {}", args.name, root.join(taken).display());
        }
    }
    let module = args.name.replace('-', "_");
    let fill = |text: &str| text.replace("{{name}}", &args.name).replace("{{module}}", &module);
    let files = args.lang.template();
    if let Some(existing) = files.iter().map(|(path, _)| root.join(fill(path))).find(|path| path.exists()) {
        bail!("{} already exists; choose another name", existing.display());
    }
    for (path, text) in files {
        let path = root.join(fill(path));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        std::fs::write(&path, fill(text)).with_context(|| format!("writing {}", path.display()))?;
        writeln!(out, "created {}", path.strip_prefix(&root).unwrap_or(&path).display())?;
    }
    let [build, test] = args.lang.next_steps(&args.name);
    writeln!(out, "\nfrom {}:\n  {build}\n  {test}", root.display())?;
    Ok(Exit::Success)
}

fn check_name(name: &str) -> anyhow::Result<()> {
    let valid = name.len() <= 40
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid {
        bail!(
            "plugin name {name:?}: expected lowercase letters, digits and dashes, starting with a letter, at most 40 characters"
        );
    }
    if ["python", "js", "guest-support", "wit-stub", "target"].contains(&name) {
        bail!("plugin name {name:?} is reserved: a folder of the repository under plugins/ has it");
    }
    Ok(())
}

/// The Candlewick checkout `dir` is in: the nearest ancestor with `wit/plugin.wit` and `plugins/`.
fn checkout(dir: &Path) -> anyhow::Result<PathBuf> {
    dir.ancestors()
        .find(|d| d.join("wit/plugin.wit").is_file() && d.join("plugins").is_dir())
        .map(Path::to_owned)
        .with_context(|| {
            format!(
                "{} is not inside a Candlewick checkout (no wit/plugin.wit and plugins/ above it): \
                 new plugins build against the checkout's WIT and scripts",
                dir.display()
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        for good in ["sma", "my-sampler2"] {
            check_name(good).unwrap();
        }
        for bad in ["", "Sma", "2x", "a_b", "a-", "python"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_template_names_its_plugin() {
        for lang in [Lang::Rust, Lang::Python, Lang::Js] {
            for (path, _) in lang.template() {
                assert!(path.contains("{{name}}"), "{lang:?}: {path}");
            }
        }
    }
}
