#!/usr/bin/env bash
# Starts, describes and stops the real services the integration tests use, all on 127.0.0.1 free ports:
#   ZooKeeper 3.8 (standalone), s3s-fs 0.14.1 (S3 with SigV4 checks, fresh keys each start),
#   HDFS (Hadoop 3.5.0 MiniDFSCluster: 1 NameNode + 1 DataNode).
#
#   scripts/services.sh start    start all three, wait until each serves, write .services/env
#   scripts/services.sh env      print the export lines (eval "$(scripts/services.sh env)")
#   scripts/services.sh status   say what is running
#   scripts/services.sh stop     stop each by its pid file
#
# State, data and logs live in .services/ at the repo root (HERON_TEST_SERVICES_DIR overrides it).
# Run scripts/install.sh first (scripts/test.sh does both).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SERVICES="${HERON_TEST_SERVICES_DIR:-$REPO_ROOT/.services}"
ENV_FILE="$SERVICES/env"
HDFS_READY_TIMEOUT_S="${HERON_HDFS_READY_TIMEOUT:-240}"

usage() {
    sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

need_installed() {
    [[ -f /usr/share/java/zookeeper.jar && -x "$S3S_BIN" && -x "$VENV_HERON/bin/python" &&
        -f "$JAVA_DIR/build/minidfs/runtime.classpath" && -f "$JAVA_DIR/word-count-topology.jar" ]] ||
        die "test services are not installed; run scripts/install.sh first"
}

random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

# Waits until something listens on 127.0.0.1:PORT. Args: port pidfile log what timeout-s
wait_listening() {
    local port="$1" pidfile="$2" log="$3" what="$4" deadline
    deadline=$(($(date +%s) + $5))
    until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
        pid_alive "$pidfile" || { tail -n 20 "$log" >&2 || true; die "$what exited before it was ready (log: $log)"; }
        (($(date +%s) <= deadline)) || die "$what was not ready after $5 s (log: $log)"
        sleep 0.02
    done
}

start_hdfs_bg() { # launches the MiniDFSCluster JVM; readiness is checked by wait_hdfs
    local dir="$SERVICES/hdfs" build="$JAVA_DIR/build/minidfs"
    rm -rf "$dir"
    mkdir -p "$dir"
    HDFS_T0=$(now_ms)
    setsid java -Xmx768m -XX:+UseSerialGC -cp "$build/minidfs-1.0.jar:$(cat "$build/runtime.classpath")" \
        heronrs.minidfs.MiniDfs --base-dir "$dir/base" --conf-dir "$dir/conf" \
        >"$dir/minidfs.out" 2>"$dir/minidfs.log" </dev/null 8>&- &
    echo $! >"$dir/minidfs.pid"
}

wait_hdfs() {
    local dir="$SERVICES/hdfs" deadline url
    deadline=$(($(date +%s) + HDFS_READY_TIMEOUT_S))
    until grep -q '^READY ' "$dir/minidfs.out" 2>/dev/null; do
        pid_alive "$dir/minidfs.pid" ||
            { tail -n 30 "$dir/minidfs.log" >&2 || true; die "MiniDFSCluster exited before it was ready (log: $dir/minidfs.log)"; }
        (($(date +%s) <= deadline)) || die "MiniDFSCluster was not ready after ${HDFS_READY_TIMEOUT_S}s (log: $dir/minidfs.log)"
        sleep 0.1
    done
    url=$(sed -n 's/^READY //p' "$dir/minidfs.out" | head -n 1)
    HDFS_URL="$url"
    say_out "HDFS (Hadoop 3.5.0 MiniDFSCluster, 1 NameNode + 1 DataNode) ready on $url (pid $(cat "$dir/minidfs.pid"), $(elapsed "$HDFS_T0") s; conf $dir/conf)"
}

start_s3() {
    local dir="$SERVICES/s3" port t0
    rm -rf "$dir"
    mkdir -p "$dir/data"
    port=$(free_ports 1)
    S3_ACCESS_KEY="AKIDTEST$(random_hex 6 | tr a-f A-F)"
    S3_SECRET_KEY="$(random_hex 20)"
    t0=$(now_ms)
    # s3s-fs takes its keys only as arguments; these are throwaway keys for a loopback test server.
    setsid "$S3S_BIN" --host 127.0.0.1 --port "$port" --access-key "$S3_ACCESS_KEY" --secret-key "$S3_SECRET_KEY" \
        "$dir/data" >"$dir/s3s-fs.log" 2>&1 </dev/null 8>&- &
    echo $! >"$dir/s3s-fs.pid"
    wait_listening "$port" "$dir/s3s-fs.pid" "$dir/s3s-fs.log" "s3s-fs" 30
    S3_URL="http://127.0.0.1:$port"
    say_out "s3s-fs $S3S_VERSION ready on $S3_URL (pid $(cat "$dir/s3s-fs.pid"), $(elapsed "$t0") s; data $dir/data)"
}

start_zk() {
    local line
    ZK_CONNECT=$("$SCRIPTS_DIR/zk.sh" start "$SERVICES/zk" 2>"$SERVICES/zk-start.log" 8>&-) ||
        { cat "$SERVICES/zk-start.log" >&2; die "ZooKeeper did not start"; }
    line=$(tail -n 1 "$SERVICES/zk-start.log")
    say_out "$line"
}

say_out() { printf '%s\n' "$*"; }

write_env() {
    local tmp="$ENV_FILE.tmp"
    {
        echo "# Written by scripts/services.sh start; source it to run cargo test against these services."
        printf 'export HERON_TEST_ZK=%q\n' "$ZK_CONNECT"
        printf 'export HERON_TEST_S3=%q\n' "$S3_URL"
        printf 'export HERON_TEST_S3_ACCESS_KEY=%q\n' "$S3_ACCESS_KEY"
        printf 'export HERON_TEST_S3_SECRET_KEY=%q\n' "$S3_SECRET_KEY"
        printf 'export HERON_TEST_S3_DIR=%q\n' "$SERVICES/s3/data"
        printf 'export HERON_TEST_HDFS=%q\n' "$HDFS_URL"
        printf 'export HERON_TEST_HDFS_CONF=%q\n' "$SERVICES/hdfs/conf"
        printf 'export HERON_TEST_VENV=%q\n' "$VENV_HERON"
        printf 'export HERON_TEST_TOOLS_VENV=%q\n' "$VENV_TOOLS"
        printf 'export HERON_TEST_JAVA_TOPOLOGY_JAR=%q\n' "$JAVA_DIR/word-count-topology.jar"
        printf 'export HERON_TEST_HERON_API_CLASSPATH=%q\n' "$(tr -d '\n' <"$JAVA_DIR/heron-api.classpath")"
        printf 'export HERON_TEST_SCRIPTS=%q\n' "$SCRIPTS_DIR"
    } >"$tmp"
    chmod 600 "$tmp"
    mv -f "$tmp" "$ENV_FILE"
}

all_running() {
    [[ -f "$ENV_FILE" ]] && pid_alive "$SERVICES/zk/zk.pid" && pid_alive "$SERVICES/s3/s3s-fs.pid" &&
        pid_alive "$SERVICES/hdfs/minidfs.pid"
}

cmd_stop() {
    local f name
    rm -f "$ENV_FILE"
    for f in "$SERVICES/hdfs/minidfs.pid" "$SERVICES/s3/s3s-fs.pid" "$SERVICES/zk/zk.pid"; do
        [[ -f "$f" ]] || continue
        name=$(basename "$f" .pid)
        if pid_alive "$f"; then
            say_out "stopping $name (pid $(cat "$f"))"
        fi
        stop_pidfile "$f" 20 &
    done
    wait
}

cmd_start() {
    local t0
    need_installed
    mkdir -p "$SERVICES"
    if all_running; then
        say_out "services already running (scripts/services.sh stop to restart them):"
        cmd_status
        return 0
    fi
    cmd_stop >/dev/null
    # If any service fails to come up, stop the ones that did.
    trap 'cmd_stop >/dev/null 2>&1 || true' ERR
    t0=$(now_ms)
    start_hdfs_bg # slowest: its JVM warms up while the others start
    start_zk
    start_s3
    wait_hdfs
    trap - ERR
    write_env
    say_out "all services ready in $(elapsed "$t0") s; environment in ${ENV_FILE#"$REPO_ROOT"/} (source it, or: eval \"\$(scripts/services.sh env)\")"
}

cmd_env() {
    [[ -f "$ENV_FILE" ]] || die "services are not running (no $ENV_FILE); run scripts/services.sh start"
    grep '^export ' "$ENV_FILE"
}

cmd_status() {
    local f rc=0
    for f in "$SERVICES/zk/zk.pid" "$SERVICES/s3/s3s-fs.pid" "$SERVICES/hdfs/minidfs.pid"; do
        if pid_alive "$f"; then
            say_out "$(basename "$f" .pid): running (pid $(cat "$f"))"
        else
            say_out "$(basename "$f" .pid): not running"
            rc=1
        fi
    done
    if [[ -f "$ENV_FILE" ]]; then grep -E '^export HERON_TEST_(ZK|S3|HDFS)=' "$ENV_FILE" | sed 's/^export /  /'; fi
    return $rc
}

# One start or stop at a time per services dir (two shells, or a test run and a developer). The servers
# are started with fd 8 closed, or they would hold the lock for as long as they run.
lock() {
    mkdir -p "$SERVICES"
    exec 8>"$SERVICES/.lock"
    flock 8
}

case "${1:-}" in
start) lock && cmd_start ;;
stop) lock && cmd_stop ;;
env) cmd_env ;;
status) cmd_status ;;
*) usage ;;
esac
