#!/usr/bin/env bash
# The benchmarks' second S3 server: SeaweedFS (`weed server`: master, volume server, filer and S3
# gateway in one process), on 127.0.0.1 only, with SigV4 signature checking against one identity.
#
#   scripts/bench/seaweedfs.sh start DIR BUCKET   starts it (data, config, log, pid in DIR), creates
#                                                 BUCKET, checks its signature checks, prints
#                                                 the shell lines of s3_server.sh (S3_BENCH_URL, ...)
#   scripts/bench/seaweedfs.sh stop DIR           stops it by its pid
#
# Installed by `scripts/install.sh seaweedfs`. Every listener is bound to 127.0.0.1 on a port the
# kernel picked; the master's usage report (on by default in SeaweedFS) is off, and the Iceberg and
# Lance catalog listeners are not started. The keys are fresh random throwaway keys per start.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
# shellcheck source=scripts/bench/s3_server.sh
source "$(dirname "${BASH_SOURCE[0]}")/s3_server.sh"

cmd="${1:-}"
dir="${2:-}"
[[ -n "$cmd" && -n "$dir" ]] || die "usage: seaweedfs.sh start DIR BUCKET | stop DIR"

case "$cmd" in
start)
    bucket="${3:-}"
    [[ -n "$bucket" ]] || die "usage: seaweedfs.sh start DIR BUCKET"
    [[ -x "$SWFS_BIN" ]] || die "SeaweedFS is not installed ($SWFS_BIN); run scripts/install.sh seaweedfs"
    stop_pidfile "$dir/weed.pid" 15
    rm -rf "$dir"
    mkdir -p "$dir/data"
    access="swfs$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
    secret="$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')"
    # The S3 gateway's identities (-s3.config); it checks every request's SigV4 signature against them.
    umask 077
    printf '{"identities": [{"name": "bench", "credentials": [{"accessKey": "%s", "secretKey": "%s"}], "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}\n' \
        "$access" "$secret" >"$dir/s3.json"
    umask 022
    read -r master volume filer s3 master_grpc volume_grpc filer_grpc s3_grpc <<<"$(free_ports 8)"
    t0=$(now_ms)
    setsid "$SWFS_BIN" server -ip=127.0.0.1 -ip.bind=127.0.0.1 -dir="$dir/data" \
        -master.port="$master" -master.port.grpc="$master_grpc" -master.telemetry=false \
        -master.volumeSizeLimitMB=1024 -volume.max=0 -volume.preStopSeconds=0 \
        -volume.port="$volume" -volume.port.grpc="$volume_grpc" \
        -filer -filer.port="$filer" -filer.port.grpc="$filer_grpc" -filer.localSocket="$dir/filer.sock" \
        -s3 -s3.port="$s3" -s3.port.grpc="$s3_grpc" -s3.config="$dir/s3.json" -s3.localSocket="$dir/s3.sock" \
        -s3.port.iceberg=0 -s3.port.lance=0 \
        >"$dir/weed.log" 2>&1 </dev/null 8>&- 9>&- &
    echo $! >"$dir/weed.pid"
    url="http://127.0.0.1:$s3"
    s3_server_ready SeaweedFS "$dir/weed.pid" "$dir/weed.log" "$url" "$bucket" "$access" "$secret"
    version="$("$SWFS_BIN" version 2>/dev/null | head -n 1 | awk '{ print $3 }') ($SWFS_VERSION)"
    say "SeaweedFS $version ready on $url (pid $(cat "$dir/weed.pid"), $(elapsed "$t0") s; data $dir/data)"
    s3_server_env "$url" "$dir/weed.pid" "$access" "$secret" "$version"
    ;;
stop)
    stop_pidfile "$dir/weed.pid" 15
    ;;
*)
    die "unknown command '$cmd' (start, stop)"
    ;;
esac
