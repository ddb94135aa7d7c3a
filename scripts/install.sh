#!/usr/bin/env bash
# Installs the real services and peers the tests run against, each only when it is missing. Idempotent:
# a second run prints one "ok" line per peer and changes nothing.
#
#   scripts/install.sh
#
# Where things go (outside the repo, so a fresh clone on the same machine reuses them):
#   apt            zookeeper (3.8, Debian), hyperfine (benchmarks); java/maven/python3-venv if absent
#   $CACHE/s3s     s3s-fs 0.14.1, an S3 server that checks SigV4 signatures (cargo install; ~4 min once)
#   $CACHE/venv-heron   heronpy 0.20.5 + kazoo + pex (heronpy pins protobuf 3.16: keep it alone)
#   $CACHE/venv-tools   awscli + boto3 + kazoo + pystachio (benchmarks, Aurora job loading, manual checks)
#   $CACHE/java    the Maven projects under tests/ (MiniDFSCluster, the Java topology, the Curator lock);
#                  their dependencies land in ~/.m2
# CACHE is ${HERON_TEST_CACHE:-$HOME/.cache/heron-rs}.
#
#   scripts/install.sh seaweedfs
#
# installs only SeaweedFS, the benchmarks' second S3 server ($CACHE/seaweedfs, built from the Go module
# proxy with `go build`; ~10 minutes on 2 cores, once). No test needs it; scripts/bench.sh runs this.
#
#   scripts/install.sh minio
#
# installs only MinIO, the benchmarks' third S3 server ($CACHE/minio, `go install` from the Go module
# proxy; ~10 minutes on 2 cores, once). No test needs it either; scripts/bench.sh runs this too.
set -Eeuo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Every failure ends with a line naming the step and the command that failed, never silently:
# STEP names the section being run; the ERR trap (inherited by functions, -E) reports the rest.
STEP="start"
on_error() {
    printf 'error: scripts/install.sh: step "%s" failed (exit %s) at line %s: %s\n' "$STEP" "$1" "$2" "$3" >&2
    exit 1
}
trap 'on_error $? $LINENO "$BASH_COMMAND"' ERR

STEP="cache folder $CACHE"
mkdir -p "$CACHE" "$JAVA_DIR"
# Two installs at once (two shells, two helpers) would race on the same cache.
exec 9>"$CACHE/install.lock"
flock 9

# --- SeaweedFS (bench only: `scripts/install.sh seaweedfs`) ---
install_seaweedfs() {
    STEP="seaweedfs $SWFS_VERSION"
    if [[ -x "$SWFS_BIN" ]] && [[ "$(cat "$SWFS_DIR/version" 2>/dev/null)" == "$SWFS_VERSION" ]]; then
        say "seaweedfs $SWFS_VERSION: ok ($SWFS_BIN)"
        return 0
    fi
    command -v go >/dev/null || die "seaweedfs: the go toolchain is missing (it builds SeaweedFS from source and needs Go >= 1.26.6; Debian 12's golang-go is 1.19): install Go from https://go.dev/dl and put its bin/ on PATH"
    say "seaweedfs $SWFS_VERSION: building with go (about 10 minutes on 2 cores, once per machine)..."
    local t0 src log="$CACHE/seaweedfs-install.log"
    t0=$(now_ms)
    mkdir -p "$SWFS_DIR/bin"
    # `go install module@version` refuses this module (its go.mod has replace directives), so: fetch the
    # module's source from the module proxy, then build its weed command inside it.
    src=$(go mod download -json "github.com/seaweedfs/seaweedfs@$SWFS_VERSION" 2>"$log" |
        python3 -c 'import json, sys; d = json.load(sys.stdin); print(d.get("Dir") or "")' 2>>"$log") || true
    [[ -n "$src" && -d "$src/weed" ]] ||
        { tail -n 20 "$log" >&2; die "seaweedfs: go mod download github.com/seaweedfs/seaweedfs@$SWFS_VERSION failed (log: $log)"; }
    if ! (cd "$src" && go build -o "$SWFS_BIN.tmp" ./weed) >>"$log" 2>&1; then
        tail -n 20 "$log" >&2
        die "seaweedfs: go build ./weed in $src failed (log: $log)"
    fi
    "$SWFS_BIN.tmp" version >>"$log" 2>&1 || die "seaweedfs: the built weed does not run (log: $log)"
    mv -f "$SWFS_BIN.tmp" "$SWFS_BIN"
    echo "$SWFS_VERSION" >"$SWFS_DIR/version"
    say "seaweedfs $SWFS_VERSION: installed in $(elapsed "$t0") s ($SWFS_BIN)"
}
# --- MinIO (bench only: `scripts/install.sh minio`) ---
install_minio() {
    STEP="minio $MINIO_VERSION"
    if [[ -x "$MINIO_BIN" ]] && [[ "$(cat "$MINIO_DIR/version" 2>/dev/null)" == "$MINIO_VERSION" ]]; then
        say "minio $MINIO_VERSION: ok ($MINIO_BIN)"
        return 0
    fi
    command -v go >/dev/null || die "minio: the go toolchain is missing (it builds MinIO from source and needs Go >= 1.24; Debian 12's golang-go is 1.19): install Go from https://go.dev/dl and put its bin/ on PATH"
    say "minio $MINIO_VERSION: building with go install (about 10 minutes on 2 cores, once per machine)..."
    local t0 log="$CACHE/minio-install.log"
    t0=$(now_ms)
    rm -rf "$MINIO_DIR/bin.tmp"
    mkdir -p "$MINIO_DIR/bin.tmp"
    # Its go.mod has no replace directives, so `go install module@version` builds it straight from
    # the module proxy (GOTOOLCHAIN=local: the installed go, which is newer than the one it asks for).
    if ! GOBIN="$MINIO_DIR/bin.tmp" GOTOOLCHAIN=local GOFLAGS=-buildvcs=false \
        go install -trimpath "github.com/minio/minio@$MINIO_VERSION" >"$log" 2>&1; then
        tail -n 20 "$log" >&2
        die "minio: go install github.com/minio/minio@$MINIO_VERSION failed (log: $log)"
    fi
    "$MINIO_DIR/bin.tmp/minio" --version >>"$log" 2>&1 || die "minio: the built minio does not run (log: $log)"
    mkdir -p "$MINIO_DIR/bin"
    mv -f "$MINIO_DIR/bin.tmp/minio" "$MINIO_BIN"
    rm -rf "$MINIO_DIR/bin.tmp"
    echo "$MINIO_VERSION" >"$MINIO_DIR/version"
    say "minio $MINIO_VERSION: installed in $(elapsed "$t0") s ($MINIO_BIN)"
}
if (($#)); then
    for what in "$@"; do
        case "$what" in
        seaweedfs) install_seaweedfs ;;
        minio) install_minio ;;
        *) die "unknown install target '$what' (targets: seaweedfs, minio; none: everything the tests need)" ;;
        esac
    done
    exit 0
fi

APT_UPDATED=0
apt_install() { # apt_install PKG... ; runs `apt-get update` only when the install fails without it
    local sudo=()
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null || die "step \"$STEP\": installing $* needs root or sudo (apt-get install -y $*)"
        sudo=(sudo)
    fi
    if ! DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "$@" >"$CACHE/apt.log" 2>&1; then
        if ((APT_UPDATED == 0)); then
            "${sudo[@]}" apt-get update -qq >>"$CACHE/apt.log" 2>&1 || true
            APT_UPDATED=1
        fi
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "$@" >>"$CACHE/apt.log" 2>&1 ||
            { tail -n 20 "$CACHE/apt.log" >&2; die "step \"$STEP\": apt-get install $* failed (log: $CACHE/apt.log)"; }
    fi
}

# Prints the installed version of a Debian package, or nothing when it is not installed. Never fails:
# dpkg-query exits 1 for an unknown package, which under `set -e` + pipefail would end the script silently.
dpkg_version() { { dpkg-query -W -f='${Status} ${Version}' "$1" 2>/dev/null || true; } | sed -n 's/^install ok installed //p'; }

# --- toolchains the peers need (present on the usual image; installed on a bare one) ---
STEP="toolchains (apt)"
missing=()
command -v java >/dev/null || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || missing+=(maven)
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
command -v flock >/dev/null || missing+=(util-linux)
# /usr/bin/time -v measures peak RSS in the uploader's 1 GiB tests and in the benchmarks.
[[ -x /usr/bin/time ]] || missing+=(time)
# jq: examples/pipeline.sh reads the dry-run plan with it (tests/tests/examples.rs runs that script).
command -v jq >/dev/null || missing+=(jq)
if ((${#missing[@]})); then
    apt_install "${missing[@]}"
    say "toolchains: installed ${missing[*]}"
fi

# --- ZooKeeper and hyperfine (apt) ---
for pkg in zookeeper hyperfine; do
    STEP="$pkg (apt)"
    v=$(dpkg_version "$pkg")
    if [[ -n "$v" ]]; then
        say "$pkg $v: ok"
    else
        t0=$(now_ms)
        apt_install "$pkg"
        say "$pkg $(dpkg_version "$pkg"): installed ($(elapsed "$t0") s)"
    fi
done

# --- s3s-fs (cargo) ---
STEP="s3s-fs $S3S_VERSION (cargo install)"
if [[ -x "$S3S_BIN" ]] && [[ "$("$S3S_BIN" --version 2>/dev/null)" == "s3s-fs $S3S_VERSION" ]]; then
    say "s3s-fs $S3S_VERSION: ok ($S3S_BIN)"
else
    say "s3s-fs $S3S_VERSION: building with cargo install (about 4 minutes on 2 cores, once per machine)..."
    t0=$(now_ms)
    # Its own target dir, deleted afterwards (~400 MB); --locked keeps the versions it was released with
    # (the newest s3s-fs needs a newer rustc than ours, hence the pin).
    if ! CARGO_TARGET_DIR="$CACHE/s3s-target" cargo install "s3s-fs@$S3S_VERSION" --locked --features binary \
        --root "$CACHE/s3s" >"$CACHE/s3s-install.log" 2>&1; then
        tail -n 20 "$CACHE/s3s-install.log" >&2
        die "cargo install s3s-fs@$S3S_VERSION failed (log: $CACHE/s3s-install.log)"
    fi
    rm -rf "$CACHE/s3s-target"
    say "s3s-fs $S3S_VERSION: installed in $(elapsed "$t0") s ($S3S_BIN)"
fi

# --- Python venvs ---
STEP="Python venvs (pip)"
# ensure_venv DIR CHECK-PYTHON-CODE PIP-ARGS...
ensure_venv() {
    local dir="$1" check="$2" t0
    shift 2
    STEP="$(basename "$dir") (pip install $*)"
    if [[ -x "$dir/bin/python" ]] && "$dir/bin/python" -c "$check" >/dev/null 2>&1; then
        say "$(basename "$dir") ($*): ok"
        return 0
    fi
    t0=$(now_ms)
    rm -rf "$dir"
    python3 -m venv "$dir"
    if ! "$dir/bin/pip" install -q --disable-pip-version-check "$@" >"$dir.log" 2>&1; then
        tail -n 20 "$dir.log" >&2
        die "pip install into $dir failed (log: $dir.log)"
    fi
    "$dir/bin/python" -c "$check" || die "$dir was installed but its check failed: $check"
    say "$(basename "$dir") ($*): installed in $(elapsed "$t0") s"
}
ensure_venv "$VENV_HERON" \
    'import importlib.metadata as m, kazoo, pkg_resources, heronpy.proto.topology_pb2; assert m.version("heronpy") == "0.20.5"; m.version("pex")' \
    heronpy==0.20.5 kazoo pex 'setuptools<70'
# pystachio: Aurora's config library, which heron-aurora-render's tests load rendered jobs with.
ensure_venv "$VENV_TOOLS" \
    'import importlib.metadata as m, kazoo, boto3, awscli, pystachio; assert m.version("pystachio") == "0.8.10"' \
    awscli boto3 kazoo pystachio==0.8.10

# --- Maven projects under tests/ ---
# True when every jar on the build's classpath files is still in ~/.m2 (someone may have wiped it).
classpath_present() {
    local f entry
    for f in "$1"/*.classpath; do
        [[ -f "$f" ]] || return 1
        while IFS= read -r -d: entry; do
            [[ -z "$entry" || -e "$entry" ]] || return 1
        done < <(tr -d '\n' <"$f"; printf ':')
    done
}

# build_maven NAME PROJECT-DIR: builds into $JAVA_DIR/build/NAME unless the sources are unchanged since last time.
build_maven() {
    local name="$1" project="$2" out="$JAVA_DIR/build/$1" hash t0
    STEP="$name (Maven, ${project#"$REPO_ROOT"/})"
    [[ -f "$project/pom.xml" ]] || die "step \"$STEP\": $project/pom.xml is missing from the checkout"
    hash=$(cd "$project" && find pom.xml src -type f | LC_ALL=C sort | xargs cat | sha256sum | cut -c1-16)
    if [[ -f "$out/.stamp" && "$(cat "$out/.stamp")" == "$hash" ]] && classpath_present "$out"; then
        say "$name (Maven, ${project#"$REPO_ROOT"/}): ok"
        return 0
    fi
    t0=$(now_ms)
    rm -rf "$out"
    # Retried once: a download from Maven Central can fail transiently.
    if ! mvn -q -B -f "$project/pom.xml" package -Dheronrs.build.dir="$out" >"$JAVA_DIR/$name-build.log" 2>&1 &&
        ! mvn -q -B -f "$project/pom.xml" package -Dheronrs.build.dir="$out" >"$JAVA_DIR/$name-build.log" 2>&1; then
        tail -n 30 "$JAVA_DIR/$name-build.log" >&2
        die "Maven build of $project failed (log: $JAVA_DIR/$name-build.log)"
    fi
    echo "$hash" >"$out/.stamp"
    say "$name (Maven, ${project#"$REPO_ROOT"/}): built in $(elapsed "$t0") s"
}
build_maven minidfs "$REPO_ROOT/tests/minidfs"
build_maven topology "$REPO_ROOT/tests/java/topology"
build_maven curator-lock "$REPO_ROOT/tests/java/curator-lock"
# Stable names for the tests (HERON_TEST_JAVA_TOPOLOGY_JAR, HERON_TEST_HERON_API_CLASSPATH).
STEP="Java topology jar and heron-api classpath"
cp -f "$JAVA_DIR/build/topology/word-count-topology-1.0-with-heron-api.jar" "$JAVA_DIR/word-count-topology.jar"
cp -f "$JAVA_DIR/build/topology/heron-api.classpath" "$JAVA_DIR/heron-api.classpath"
