# shellcheck shell=bash
#
# The Rust toolchain of the scripts, and the one build loop of Wasm components from workspace
# crates. Sourced by scripts/* with `repo_root` set and the working directory at the repository
# root; safe under `set -euo pipefail`. Every function returns non-zero with a message on stderr
# when it fails.
#
#   candlewick_rust_toolchain                      # cargo on PATH, the wasm32-wasip2 target
#   candlewick_rust_components rustfmt clippy      # the cargo subcommands the lints need
#   candlewick_target_dir                          # cargo's target directory, absolute
#   candlewick_build_components OUT PREFIX DIR...  # crate PREFIX<name> in DIR=…/<name> → OUT/<name>.wasm

# Prints an error in the name of the script that sourced this file and fails.
candlewick__rust_fail() {
  printf 'scripts/%s: error: %s\n' "${0##*/}" "$*" >&2
  return 1
}

# Puts cargo on PATH and, when rustup manages the toolchain, adds the wasm32-wasip2 target.
candlewick_rust_toolchain() {
  # A fresh rustup install puts cargo in ~/.cargo/bin, which a non-login shell (CI, editors) may
  # not have on PATH yet.
  local cargo_bin=${CARGO_HOME:-${HOME:-}/.cargo}/bin
  if ! command -v cargo >/dev/null 2>&1 && [[ -x $cargo_bin/cargo ]]; then
    PATH=$cargo_bin:$PATH
  fi
  if ! command -v cargo >/dev/null 2>&1; then
    candlewick__rust_fail "cargo not found. Install Rust with rustup (https://rustup.rs):
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y
  then run '. \"\$HOME/.cargo/env\"' (or open a new shell) and re-run ${0#"$repo_root"/}."
    return 1
  fi
  # Plugins are built for wasm32-wasip2. Adding it needs the network, once; no plugin builds
  # without it.
  if command -v rustup >/dev/null 2>&1 && ! rustup target list --installed 2>/dev/null | grep -qx wasm32-wasip2; then
    rustup target add wasm32-wasip2 >/dev/null || return 1
  fi
}

# Adds the components named (rustfmt, clippy) with rustup, which leaves them out of its minimal
# profile; without rustup, checks they are there.
candlewick_rust_components() {
  local component missing=()
  for component in "$@"; do
    case $component in
      rustfmt) cargo fmt --version >/dev/null 2>&1 || missing+=(rustfmt) ;;
      clippy) cargo clippy --version >/dev/null 2>&1 || missing+=(clippy) ;;
      *) candlewick__rust_fail "unknown component $component (expected rustfmt or clippy)" || return 1 ;;
    esac
  done
  ((${#missing[@]})) || return 0
  if command -v rustup >/dev/null 2>&1; then
    printf '==> rustup component add %s\n' "${missing[*]}" >&2
    rustup component add "${missing[@]}" || return 1
  else
    candlewick__rust_fail "${missing[*]} missing; install it with your Rust toolchain"
    return 1
  fi
}

# Prints cargo's target directory as an absolute path: $CARGO_TARGET_DIR (relative to the
# working directory, as cargo reads it), else the workspace's target/.
candlewick_target_dir() {
  local dir=${CARGO_TARGET_DIR:-$repo_root/target}
  [[ $dir == /* ]] || dir=$PWD/$dir
  printf '%s\n' "$dir"
}

# Builds the crates in the folders given (`DIR/Cargo.toml`, package `PREFIX` + the folder's name)
# as Wasm components in one cargo run (wasm32-wasip2, `--profile plugin`) and copies each to
# OUT/<folder name>.wasm. Folders whose crate builds no cdylib are skipped. The component's path
# is the one cargo reports (`--message-format=json`), so a CARGO_TARGET_DIR is followed; OUT is
# the caller's, as the files that use the components name it.
candlewick_build_components() {
  local out=$1 prefix=$2
  shift 2
  local dir name packages=() names=()
  for dir in "$@"; do
    dir=${dir%/}
    if [[ ! -f $dir/Cargo.toml ]] || ! grep -q '"cdylib"' "$dir/Cargo.toml"; then continue; fi
    name=${dir##*/}
    names+=("$name")
    packages+=(-p "$prefix$name")
  done
  ((${#names[@]})) || return 0

  # stdout is cargo's JSON messages; diagnostics and progress go to stderr as usual.
  local messages
  messages=$(cargo build --target wasm32-wasip2 --profile plugin --locked \
    --message-format=json-render-diagnostics "${packages[@]}") || return 1
  mkdir -p "$out"
  local file built
  for name in "${names[@]}"; do
    file=$prefix$name
    file=${file//-/_}.wasm
    # An artifact message lists its files as absolute paths: the last one ending in /$file.
    built=$(grep -oE "\"[^\"]*/${file//./\\.}\"" <<<"$messages" | tail -n 1 | tr -d '"') || true
    [[ -n $built && -f $built ]] ||
      candlewick__rust_fail "cargo reported no $file for package $prefix$name (is its crate-type cdylib?)" ||
      return 1
    cp -p "$built" "$out/$name.wasm"
  done
}
