#!/usr/bin/env bash
# Runs the cargo-fuzz targets in fuzz/ for a bounded time each (not part of CI or scripts/test.sh).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     default: 60 s for each of: config_yaml defn template heron_options
#
# Targets: config_yaml (cluster config YAML, heron_common::config::yaml), defn (.defn and other state
# messages, heron_common::defn), template (Aurora job templates, heron_aurora_render::render),
# heron_options (heron_common::heron_options encode/decode round trip).
#
# cargo fuzz needs nightly compiler flags (-Zsanitizer=address); on the stable toolchain this script
# sets RUSTC_BOOTSTRAP=1, which lets stable rustc accept them. It installs cargo-fuzz if missing.
# The committed seeds in fuzz/corpus/<target>/ are read only: new inputs go to fuzz/corpus-run/
# (ignored by git). A crash is saved under fuzz/artifacts/<target>/ and makes the script exit 1;
# reproduce it with `RUSTC_BOOTSTRAP=1 cargo fuzz run <target> <artifact>` in fuzz/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_EACH="${1:-60}"
shift || true
TARGETS=("$@")
if ((${#TARGETS[@]} == 0)); then
    TARGETS=(config_yaml defn template heron_options)
fi
[[ "$SECONDS_EACH" =~ ^[0-9]+$ ]] || { echo "error: SECONDS must be a whole number, got '$SECONDS_EACH'" >&2; exit 2; }

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz is not installed; installing it (cargo install cargo-fuzz --locked)" >&2
    cargo install cargo-fuzz --locked >&2
fi
export RUSTC_BOOTSTRAP=1

cd "$ROOT/fuzz"
echo "building the fuzz targets (first build takes several minutes)" >&2
cargo fuzz build >&2

status=0
summary=()
for target in "${TARGETS[@]}"; do
    seeds="$ROOT/fuzz/corpus/$target"
    work="$ROOT/fuzz/corpus-run/$target"
    [[ -d "$seeds" ]] || { echo "error: no seed corpus $seeds (unknown target '$target'?)" >&2; exit 2; }
    mkdir -p "$work"
    log="$ROOT/fuzz/corpus-run/$target.log"
    echo "fuzzing $target for $SECONDS_EACH s (log: $log)" >&2
    if cargo fuzz run "$target" "$work" "$seeds" -- -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 >"$log" 2>&1; then
        result="ok"
    else
        result="FAILED (see $log and $ROOT/fuzz/artifacts/$target/)"
        status=1
    fi
    runs="$(grep -Eo 'Done [0-9]+ runs in [0-9]+ second' "$log" | tail -n 1 || true)"
    summary+=("$target: $result${runs:+, $runs(s)}")
done
printf '%s\n' "${summary[@]}"
exit "$status"
