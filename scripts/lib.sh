# shellcheck shell=bash disable=SC2034  # sourced: the variables are used by the scripts that source it
# Shared helpers for the scripts in this folder. Source it; do not run it.
#
# Everything installed for the tests lives outside the repo, in one cache folder, so a fresh clone on the
# same machine (CI does exactly that) reuses it: ${HERON_TEST_CACHE:-$HOME/.cache/heron-rs}.

SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPTS_DIR/.." && pwd)"
CACHE="${HERON_TEST_CACHE:-$HOME/.cache/heron-rs}"

# Debian's ZooKeeper: the manifest Class-Path of zookeeper.jar lists its dependencies; slf4j-simple gives logs.
ZK_CLASSPATH="/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar"
S3S_BIN="$CACHE/s3s/bin/s3s-fs"
S3S_VERSION="0.14.1"
# SeaweedFS: the benchmarks' multi-threaded S3 server (scripts/install.sh seaweedfs; a Go pseudo-version).
SWFS_VERSION="v0.0.0-20261109003541-7506e5f91cd6"
SWFS_DIR="$CACHE/seaweedfs"
SWFS_BIN="$SWFS_DIR/bin/weed"
# MinIO: the benchmarks' third S3 server (scripts/install.sh minio; the Go module proxy's newest
# pseudo-version, github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c).
MINIO_VERSION="v0.0.0-20260212201848-7aac2a2c5b7c"
MINIO_DIR="$CACHE/minio"
MINIO_BIN="$MINIO_DIR/bin/minio"
VENV_HERON="$CACHE/venv-heron"
VENV_TOOLS="$CACHE/venv-tools"
JAVA_DIR="$CACHE/java"

say() { printf '%s\n' "$*" >&2; }
die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

# Prints N distinct free TCP ports on 127.0.0.1, space separated. The kernel picks them; they are held
# together while being picked so the N are distinct. A tiny race with other programs remains, as always.
free_ports() {
    python3 - "${1:-1}" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks:
    s.close()
PY
}

# Seconds since the epoch with milliseconds, for start-to-ready timings.
now_ms() { date +%s%3N; }
elapsed() { # elapsed START_MS -> "1.23"
    local end
    end=$(now_ms)
    awk -v a="$1" -v b="$end" 'BEGIN { printf "%.2f", (b - a) / 1000 }'
}

# True when the pid in FILE names a live process.
pid_alive() {
    local f="$1" pid
    [[ -f "$f" ]] || return 1
    pid=$(cat "$f" 2>/dev/null) || return 1
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null
}

# Stops the process whose pid is in FILE: SIGTERM, then SIGKILL after GRACE seconds. Removes FILE.
stop_pidfile() {
    local f="$1" grace="${2:-10}" pid i
    [[ -f "$f" ]] || return 0
    pid=$(cat "$f" 2>/dev/null || true)
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < grace * 10; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -f "$f"
}

# Sends a four-letter word to 127.0.0.1:PORT and prints the answer (empty when nothing answers).
zk_4lw() {
    local port="$1" word="$2"
    (exec 3<>"/dev/tcp/127.0.0.1/$port" && printf '%s' "$word" >&3 && timeout 1 cat <&3) 2>/dev/null || true
}

# Prints the `Mode:` of the ZooKeeper server on PORT (standalone, leader, follower) or nothing.
zk_mode() {
    zk_4lw "$1" srvr | sed -n 's/^Mode: //p'
}

# Hash of the given files' contents, to know when a cached build is stale.
files_hash() {
    cat "$@" | sha256sum | cut -c1-16
}
