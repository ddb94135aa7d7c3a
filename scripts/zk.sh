#!/usr/bin/env bash
# Starts and stops real ZooKeeper servers (Debian's zookeeper 3.8 package) on 127.0.0.1 for the tests.
#
#   zk.sh start <dir> [port]        standalone server; prints 127.0.0.1:PORT once it serves (free port if none given)
#   zk.sh stop <dir>                stops it (SIGTERM, then SIGKILL) by the pid in <dir>/zk.pid
#   zk.sh ensemble-start <dir>      3 members on loopback; prints 127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3
#                                   once every member serves as leader or follower
#   zk.sh member-stop <dir> <n>     kill -9 member n (1..3)
#   zk.sh member-start <dir> <n>    starts member n again on its old ports; returns once it serves
#   zk.sh member-pause <dir> <n>    SIGSTOP member n (a frozen server: connections stay open, nothing answers)
#   zk.sh member-resume <dir> <n>   SIGCONT member n
#   zk.sh ensemble-stop <dir>       stops all members
#
# Data, config and logs stay under <dir>. Only stdout carries the connect string; progress goes to stderr.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

READY_TIMEOUT_S="${HERON_ZK_READY_TIMEOUT:-60}"

usage() {
    sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

need_zk() {
    [[ -f /usr/share/java/zookeeper.jar ]] || die "ZooKeeper is not installed (/usr/share/java/zookeeper.jar missing); run scripts/install.sh"
}

# Writes a zoo.cfg. Args: cfg-file data-dir client-port [server lines...]
write_cfg() {
    local cfg="$1" data="$2" port="$3"
    shift 3
    mkdir -p "$data"
    {
        echo "tickTime=1000"
        echo "initLimit=10"
        echo "syncLimit=5"
        echo "dataDir=$data"
        echo "clientPort=$port"
        echo "clientPortAddress=127.0.0.1"
        echo "maxClientCnxns=0"
        # Heron asks for 30 s sessions; the default cap is 20 ticks.
        echo "minSessionTimeout=2000"
        echo "maxSessionTimeout=60000"
        # Without this ZooKeeper starts its admin web server on 0.0.0.0:8080.
        echo "admin.enableServer=false"
        # kazoo's server_version() needs `envi`; readiness polls `srvr`.
        echo "4lw.commands.whitelist=*"
        for line in "$@"; do echo "$line"; done
    } >"$cfg"
}

# Launches the JVM for a config in the background. Args: cfg log pidfile
launch() {
    local cfg="$1" log="$2" pidfile="$3"
    # setsid: a Ctrl-C in the caller's terminal must not reach the server; it is stopped by pid.
    setsid java -Xmx256m -Dzookeeper.jmx.log4j.disable=true -cp "$ZK_CLASSPATH" \
        org.apache.zookeeper.server.quorum.QuorumPeerMain "$cfg" >"$log" 2>&1 </dev/null &
    echo $! >"$pidfile"
}

# Waits until the server on PORT reports one of the MODES (regex). Args: port modes pidfile log
wait_mode() {
    local port="$1" modes="$2" pidfile="$3" log="$4" deadline mode
    deadline=$(($(date +%s) + READY_TIMEOUT_S))
    while :; do
        mode=$(zk_mode "$port")
        if [[ "$mode" =~ ^($modes)$ ]]; then
            return 0
        fi
        if ! pid_alive "$pidfile"; then
            tail -n 20 "$log" >&2 || true
            die "ZooKeeper on port $port exited before it was ready (log: $log)"
        fi
        if (($(date +%s) > deadline)); then
            tail -n 20 "$log" >&2 || true
            die "ZooKeeper on port $port was not ready after ${READY_TIMEOUT_S}s (mode '${mode:-none}', log: $log)"
        fi
        sleep 0.1
    done
}

zk_version() {
    zk_4lw "$1" srvr | sed -n 's/^Zookeeper version: \([0-9.]*\).*/\1/p'
}

cmd_start() {
    local dir="${1:?usage: zk.sh start <dir> [port]}" port="${2:-}" t0
    need_zk
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    if pid_alive "$dir/zk.pid" && [[ -f "$dir/port" ]]; then
        port=$(cat "$dir/port")
        if [[ "$(zk_mode "$port")" == standalone ]]; then
            say "ZooKeeper already running on 127.0.0.1:$port (pid $(cat "$dir/zk.pid"))"
            echo "127.0.0.1:$port"
            return 0
        fi
        stop_pidfile "$dir/zk.pid"
    fi
    [[ -n "$port" ]] || port=$(free_ports 1)
    write_cfg "$dir/zoo.cfg" "$dir/data" "$port"
    echo "$port" >"$dir/port"
    t0=$(now_ms)
    launch "$dir/zoo.cfg" "$dir/zk.log" "$dir/zk.pid"
    wait_mode "$port" standalone "$dir/zk.pid" "$dir/zk.log"
    say "ZooKeeper $(zk_version "$port") ready on 127.0.0.1:$port (pid $(cat "$dir/zk.pid"), $(elapsed "$t0") s)"
    echo "127.0.0.1:$port"
}

cmd_stop() {
    local dir="${1:?usage: zk.sh stop <dir>}"
    stop_pidfile "$dir/zk.pid" 10
}

member_dir() { echo "$1/m$2"; }

check_member() {
    [[ "$2" =~ ^[123]$ ]] || die "member must be 1, 2 or 3 (got '$2')"
    [[ -f "$1/ports" ]] || die "no ensemble in $1 (run: zk.sh ensemble-start $1)"
}

# Reads "client peer election" ports of member N from <dir>/ports.
member_ports() {
    sed -n "${2}p" "$1/ports"
}

connect_string() {
    local dir="$1" out="" n c
    for n in 1 2 3; do
        read -r c _ _ < <(member_ports "$dir" "$n")
        out+="${out:+,}127.0.0.1:$c"
    done
    echo "$out"
}

cmd_ensemble_start() {
    local dir="${1:?usage: zk.sh ensemble-start <dir>}" ports n c p e servers=() t0
    need_zk
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    if [[ ! -f "$dir/ports" ]]; then
        read -r -a ports < <(free_ports 9)
        for n in 0 1 2; do
            echo "${ports[$((n * 3))]} ${ports[$((n * 3 + 1))]} ${ports[$((n * 3 + 2))]}"
        done >"$dir/ports"
    fi
    for n in 1 2 3; do
        read -r c p e < <(member_ports "$dir" "$n")
        servers+=("server.$n=127.0.0.1:$p:$e")
    done
    for n in 1 2 3; do
        local md
        md=$(member_dir "$dir" "$n")
        read -r c p e < <(member_ports "$dir" "$n")
        write_cfg "$md/zoo.cfg" "$md/data" "$c" "${servers[@]}"
        echo "$n" >"$md/data/myid"
    done
    t0=$(now_ms)
    for n in 1 2 3; do
        md=$(member_dir "$dir" "$n")
        pid_alive "$md/zk.pid" || launch "$md/zoo.cfg" "$md/zk.log" "$md/zk.pid"
    done
    for n in 1 2 3; do
        md=$(member_dir "$dir" "$n")
        read -r c _ _ < <(member_ports "$dir" "$n")
        wait_mode "$c" "leader|follower" "$md/zk.pid" "$md/zk.log"
    done
    say "ZooKeeper ensemble of 3 ready on $(connect_string "$dir") ($(elapsed "$t0") s)"
    connect_string "$dir"
}

cmd_member_stop() {
    local dir="${1:?usage: zk.sh member-stop <dir> <n>}" n="${2:?member number}" md pid
    check_member "$dir" "$n"
    md=$(member_dir "$dir" "$n")
    if pid_alive "$md/zk.pid"; then
        pid=$(cat "$md/zk.pid")
        kill -KILL "$pid" 2>/dev/null || true
        while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
    fi
    rm -f "$md/zk.pid"
}

cmd_member_start() {
    local dir="${1:?usage: zk.sh member-start <dir> <n>}" n="${2:?member number}" md c
    check_member "$dir" "$n"
    md=$(member_dir "$dir" "$n")
    read -r c _ _ < <(member_ports "$dir" "$n")
    pid_alive "$md/zk.pid" || launch "$md/zoo.cfg" "$md/zk.log" "$md/zk.pid"
    wait_mode "$c" "leader|follower" "$md/zk.pid" "$md/zk.log"
    say "ZooKeeper member $n serving on 127.0.0.1:$c"
}

cmd_member_signal() {
    local dir="$1" n="$2" sig="$3" md
    check_member "$dir" "$n"
    md=$(member_dir "$dir" "$n")
    pid_alive "$md/zk.pid" || die "member $n is not running"
    kill "-$sig" "$(cat "$md/zk.pid")"
}

cmd_ensemble_stop() {
    local dir="${1:?usage: zk.sh ensemble-stop <dir>}" n md
    for n in 1 2 3; do
        md=$(member_dir "$dir" "$n")
        # A paused member would ignore SIGTERM until resumed.
        if pid_alive "$md/zk.pid"; then kill -CONT "$(cat "$md/zk.pid")" 2>/dev/null || true; fi
        stop_pidfile "$md/zk.pid" 5 &
    done
    wait
}

case "${1:-}" in
start) shift && cmd_start "$@" ;;
stop) shift && cmd_stop "$@" ;;
ensemble-start) shift && cmd_ensemble_start "$@" ;;
ensemble-stop) shift && cmd_ensemble_stop "$@" ;;
member-stop) shift && cmd_member_stop "$@" ;;
member-start) shift && cmd_member_start "$@" ;;
member-pause) cmd_member_signal "${2:?dir}" "${3:?member number}" STOP ;;
member-resume) cmd_member_signal "${2:?dir}" "${3:?member number}" CONT ;;
-h | --help | help) usage ;;
*) usage ;;
esac
