#!/usr/bin/env bash
# Apache Curator's InterProcessSemaphoreMutex (the lock Heron takes for updates) as a test peer.
#
#   curator-lock.sh hold <connect> <path> <seconds>
#       waits up to 60 s for the lock, prints ACQUIRED on stdout once held, holds it for <seconds>
#       (or until stdin reaches end of file, when stdin is a pipe or a terminal), releases it, prints RELEASED.
#   curator-lock.sh try <connect> <path> <timeout-ms>
#       exits 0 if it acquired the lock within <timeout-ms> (then releases it; prints ACQUIRED),
#       1 if not (prints BUSY).
#
# Heron's update lock path is <root>/locks/<topology>__updateTopology. Exit 2: bad arguments;
# 5: ZooKeeper unreachable. Curator's own log lines (warnings only) go to stderr.
set -euo pipefail
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"

BUILD="$JAVA_DIR/build/curator-lock"
[[ -f "$BUILD/runtime.classpath" && -f "$BUILD/curator-lock-1.0.jar" ]] ||
    die "the Curator lock peer is not built ($BUILD missing); run scripts/install.sh"

if [[ $# -ne 4 || ! "${1:-}" =~ ^(hold|try)$ ]]; then
    sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi

extra=()
# Only a pipe or a terminal can signal "let go" by closing; /dev/null or a closed stdin would end the hold at once.
if [[ "$1" == hold ]] && { [[ -p /dev/stdin ]] || [[ -t 0 ]]; }; then
    extra=(--watch-stdin)
fi

exec java -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dorg.slf4j.simpleLogger.logFile=System.err -Dorg.slf4j.simpleLogger.log.org.apache.zookeeper=error \
    -cp "$BUILD/curator-lock-1.0.jar:$(cat "$BUILD/runtime.classpath")" \
    heronrs.curatorlock.CuratorLock "$@" "${extra[@]}"
