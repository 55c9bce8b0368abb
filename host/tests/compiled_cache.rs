//! The compiled-plugin cache (issue 14 §2): a plugin is compiled once per content hash, and later
//! loads map the compiled file instead; a file the cache cannot use is compiled again, never
//! trusted.

mod support;

use candlewick::runtime::{Compilation, PluginRuntime, RuntimeLimits};
use support::plugin_wasm;

/// The `.cwasm` files in `cache`'s `compiled/` folder.
fn compiled_files(cache: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(cache.join("compiled"))
        .map(|dir| {
            dir.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "cwasm")).collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn load(cache: &std::path::Path, wasm: &std::path::Path) -> candlewick::runtime::Plugin {
    PluginRuntime::new(Some(cache), RuntimeLimits::default()).unwrap().load(wasm).unwrap()
}

#[test]
fn a_plugin_is_compiled_once_per_content_and_mapped_afterwards() {
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let wasm = dir.path().join("indicators.wasm");
    std::fs::copy(plugin_wasm("indicators"), &wasm).unwrap();

    let first = load(cache.path(), &wasm);
    assert!(matches!(first.compilation(), Compilation::Compiled { .. }), "{:?}", first.compilation());
    let files = compiled_files(cache.path());
    assert_eq!(files.len(), 1, "{files:?}");
    // Named by the component's own hash, the one provenance records.
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with(&format!("{}-", first.sha256())), "{name}");
    let runtime = PluginRuntime::new(Some(cache.path()), RuntimeLimits::default()).unwrap();
    assert!(runtime.is_compiled(first.sha256()));

    // Another process's load (a new runtime), and a copy of the file elsewhere: mapped.
    let again = load(cache.path(), &wasm);
    assert_eq!(again.compilation(), Compilation::Cached);
    assert_eq!((again.sha256(), again.info()), (first.sha256(), first.info()));
    let elsewhere = dir.path().join("copy.wasm");
    std::fs::copy(&wasm, &elsewhere).unwrap();
    assert_eq!(load(cache.path(), &elsewhere).compilation(), Compilation::Cached);

    // Other content is another plugin: compiled, beside the first.
    let mut bytes = std::fs::read(&wasm).unwrap();
    // A custom section appended (id 0, name "x", no payload): a valid component of other bytes.
    bytes.extend_from_slice(&[0, 2, 1, b'x']);
    std::fs::write(&wasm, &bytes).unwrap();
    let changed = load(cache.path(), &wasm);
    assert!(matches!(changed.compilation(), Compilation::Compiled { .. }));
    assert_ne!(changed.sha256(), first.sha256());
    assert_eq!(compiled_files(cache.path()).len(), 2);
}

#[test]
fn a_damaged_compiled_file_is_compiled_again_not_trusted() {
    let cache = tempfile::tempdir().unwrap();
    let wasm = plugin_wasm("indicators");
    let info = load(cache.path(), &wasm).info().clone();
    let file = compiled_files(cache.path()).remove(0);
    let length = std::fs::metadata(&file).unwrap().len();
    // Cut in half, as a full disk or a killed copy leaves it.
    std::fs::OpenOptions::new().write(true).open(&file).unwrap().set_len(length / 2).unwrap();
    let again = load(cache.path(), &wasm);
    assert!(matches!(again.compilation(), Compilation::Compiled { .. }), "{:?}", again.compilation());
    assert_eq!(again.info(), &info);
    assert_eq!(std::fs::metadata(&file).unwrap().len(), length, "the file is written anew");
    assert_eq!(load(cache.path(), &wasm).compilation(), Compilation::Cached);
}
