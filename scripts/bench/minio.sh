#!/usr/bin/env bash
# The benchmarks' third S3 server: MinIO in single-drive mode on one folder, on 127.0.0.1 only,
# checking every request's SigV4 signature against its root user and password.
#
#   scripts/bench/minio.sh start DIR BUCKET   starts it (data, certs dir, log, pid in DIR), creates
#                                             BUCKET, prints shell lines: MINIO_BENCH_URL,
#                                             MINIO_BENCH_PID, MINIO_BENCH_ACCESS, MINIO_BENCH_SECRET
#                                             (names MinIO itself never reads)
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
    aws=("$VENV_TOOLS/bin/aws" --endpoint-url "$url" --region us-east-1)
    deadline=$(($(date +%s) + 60))
    # Ready when a signed request makes the bucket (the S3 API answers 503 while the drive and
    # IAM are being initialised).
    until AWS_ACCESS_KEY_ID="$access" AWS_SECRET_ACCESS_KEY="$secret" "${aws[@]}" s3 mb "s3://$bucket" \
        >"$dir/mb.log" 2>&1; do
        pid_alive "$dir/minio.pid" || { tail -n 20 "$dir/minio.log" >&2 || true; die "MinIO exited before it was ready (log: $dir/minio.log)"; }
        (($(date +%s) <= deadline)) || die "MinIO was not ready after 60 s: $(tail -n 2 "$dir/mb.log") (log: $dir/minio.log)"
        sleep 0.2
    done
    # Signature checking is on: a wrong secret must be refused, and so must an unsigned request.
    if AWS_ACCESS_KEY_ID="$access" AWS_SECRET_ACCESS_KEY="not-$secret" "${aws[@]}" s3 ls "s3://$bucket" >/dev/null 2>&1; then
        stop_pidfile "$dir/minio.pid" 15
        die "MinIO accepted a request signed with a wrong secret: its signature check is off"
    fi
    if "${aws[@]}" --no-sign-request s3 ls "s3://$bucket" >/dev/null 2>&1; then
        stop_pidfile "$dir/minio.pid" 15
        die "MinIO accepted an unsigned request"
    fi
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
    printf 'MINIO_BENCH_URL=%q\nMINIO_BENCH_PID=%q\nMINIO_BENCH_ACCESS=%q\nMINIO_BENCH_SECRET=%q\n' \
        "$url" "$(cat "$dir/minio.pid")" "$access" "$secret"
    ;;
stop)
    stop_pidfile "$dir/minio.pid" 15
    ;;
*)
    die "unknown command '$cmd' (start, stop)"
    ;;
esac
