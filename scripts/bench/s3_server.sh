# What the benchmarks' own S3 servers (seaweedfs.sh, minio.sh) share: waiting until a server makes
# the bucket, proving it checks signatures, and printing its shell lines. Sourced, not run.
#
#   s3_server_ready NAME PIDFILE LOG URL BUCKET ACCESS SECRET
#       waits (60 s at most) until a signed request makes BUCKET, then checks that the server
#       refuses a wrong secret, an unsigned request, and a changed body under a valid signature
#       (s3_tampered_body.py); stops the server and dies naming what failed.
#   s3_server_env URL PIDFILE ACCESS SECRET VERSION
#       prints S3_BENCH_URL, S3_BENCH_PID, S3_BENCH_ACCESS, S3_BENCH_SECRET, S3_BENCH_VERSION
#       (names the servers themselves never read).

s3_server_ready() {
    local name="$1" pidfile="$2" log="$3" url="$4" bucket="$5" access="$6" secret="$7"
    local dir aws deadline
    dir=$(dirname "$pidfile")
    aws=("$VENV_TOOLS/bin/aws" --endpoint-url "$url" --region us-east-1)
    deadline=$(($(date +%s) + 60))
    # Ready when a signed request makes the bucket (a server may answer on its port before the
    # storage or identities behind it are up).
    until AWS_ACCESS_KEY_ID="$access" AWS_SECRET_ACCESS_KEY="$secret" "${aws[@]}" s3 mb "s3://$bucket" \
        >"$dir/mb.log" 2>&1; do
        pid_alive "$pidfile" || { tail -n 20 "$log" >&2 || true; die "$name exited before it was ready (log: $log)"; }
        (($(date +%s) <= deadline)) || die "$name was not ready after 60 s: $(tail -n 2 "$dir/mb.log") (log: $log)"
        sleep 0.2
    done
    if AWS_ACCESS_KEY_ID="$access" AWS_SECRET_ACCESS_KEY="not-$secret" "${aws[@]}" s3 ls "s3://$bucket" >/dev/null 2>&1; then
        stop_pidfile "$pidfile" 15
        die "$name accepted a request signed with a wrong secret: its signature check is off"
    fi
    if "${aws[@]}" --no-sign-request s3 ls "s3://$bucket" >/dev/null 2>&1; then
        stop_pidfile "$pidfile" 15
        die "$name accepted an unsigned request"
    fi
    # "Signed bodies" must mean checked bodies: a changed body under the same signature is refused.
    if ! AWS_ACCESS_KEY_ID="$access" AWS_SECRET_ACCESS_KEY="$secret" \
        "$VENV_TOOLS/bin/python" "$(dirname "${BASH_SOURCE[0]}")/s3_tampered_body.py" "$url" "$bucket" \
        >"$dir/tampered.txt" 2>&1; then
        stop_pidfile "$pidfile" 15
        die "$name does not check signed bodies: $(cat "$dir/tampered.txt")"
    fi
}

s3_server_env() {
    printf 'S3_BENCH_URL=%q\nS3_BENCH_PID=%q\nS3_BENCH_ACCESS=%q\nS3_BENCH_SECRET=%q\nS3_BENCH_VERSION=%q\n' \
        "$1" "$(cat "$2")" "$3" "$4" "$5"
}
