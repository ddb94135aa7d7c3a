#!/usr/bin/env bash
# The benchmarks' third S3 server: MinIO in single-drive mode on one folder, on 127.0.0.1 only,
# checking every request's SigV4 signature against its root user and password.
#
#   scripts/bench/minio.sh start DIR BUCKET   starts it (data, certs dir, log, pid in DIR), creates
#                                             BUCKET, checks its signature checks, prints the
#                                             shell lines of s3_server.sh (S3_BENCH_URL, ...)
#   scripts/bench/minio.sh stop DIR           stops it by its pid
#
# Installed by `scripts/install.sh minio`. What is off, and why (MinIO's defaults read from its
# source, cmd/common-main.go and internal/config): the update check against dl.min.io
# (MINIO_UPDATE=off; it is on by default), the embedded console, which otherwise listens on a random
# port on every address (MINIO_BROWSER=off), call-home (off by default; set off anyway). The root
# user and password are fresh random throwaway keys per start, passed in the environment, never in
# argv.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
# shellcheck source=scripts/bench/s3_server.sh
source "$(dirname "${BASH_SOURCE[0]}")/s3_server.sh"

cmd="${1:-}"
dir="${2:-}"
[[ -n "$cmd" && -n "$dir" ]] || die "usage: minio.sh start DIR BUCKET | stop DIR"

case "$cmd" in
start)
    bucket="${3:-}"
    [[ -n "$bucket" ]] || die "usage: minio.sh start DIR BUCKET [--no-compat]"
    extra=("${@:4}")
    [[ -x "$MINIO_BIN" ]] || die "MinIO is not installed ($MINIO_BIN); run scripts/install.sh minio"
    stop_pidfile "$dir/minio.pid" 15
    rm -rf "$dir"
    mkdir -p "$dir/data" "$dir/certs"
    access="minio$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
    secret="$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')"
    read -r port <<<"$(free_ports 1)"
    t0=$(now_ms)
    # Only the environment MinIO needs (env -i): nothing of the caller's MINIO_* settings leaks in,
    # and HOME is DIR, so nothing is written under the user's ~/.minio.
    setsid env -i PATH=/usr/bin:/bin HOME="$dir" \
        MINIO_ROOT_USER="$access" MINIO_ROOT_PASSWORD="$secret" \
        MINIO_UPDATE=off MINIO_BROWSER=off MINIO_CALLHOME_ENABLE=off \
        "$MINIO_BIN" server --quiet --anonymous --address "127.0.0.1:$port" \
        --certs-dir "$dir/certs" "${extra[@]}" "$dir/data" \
        >"$dir/minio.log" 2>&1 </dev/null 8>&- 9>&- &
    echo $! >"$dir/minio.pid"
    url="http://127.0.0.1:$port"
    s3_server_ready MinIO "$dir/minio.pid" "$dir/minio.log" "$url" "$bucket" "$access" "$secret"
    # Nothing but the S3 port, on loopback only (MinIO adds [::1] beside 127.0.0.1): no console, no
    # other listener.
    listeners=$(ss -Hltnp 2>/dev/null | awk -v p="pid=$(cat "$dir/minio.pid")," 'index($0, p) { print $4 }' | sort -u)
    [[ -n "$listeners" ]] || { stop_pidfile "$dir/minio.pid" 15; die "cannot list MinIO's listening sockets (ss -ltnp)"; }
    others=$(grep -vxF -e "127.0.0.1:$port" -e "[::1]:$port" <<<"$listeners" | tr '\n' ' ' || true)
    if [[ -n "$others" ]]; then
        stop_pidfile "$dir/minio.pid" 15
        die "MinIO listens on more than loopback port $port: $others"
    fi
    say "MinIO $MINIO_VERSION ready on $url (pid $(cat "$dir/minio.pid"), $(elapsed "$t0") s; data $dir/data)"
    s3_server_env "$url" "$dir/minio.pid" "$access" "$secret" "$MINIO_VERSION (github.com/minio/minio, built with go install)"
    ;;
stop)
    stop_pidfile "$dir/minio.pid" 15
    ;;
*)
    die "unknown command '$cmd' (start, stop)"
    ;;
esac
