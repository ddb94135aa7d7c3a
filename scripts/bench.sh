#!/usr/bin/env bash
# Benchmarks heron-rs against the tools operators use today, on this machine, in one run, and writes
# BENCHMARKS.md (medians, spread, peak RSS, and the ratios of the issue's targets, all from this run).
#
#   scripts/bench.sh                 everything (about 10 minutes on 2 cores, release build excluded)
#   scripts/bench.sh SECTION...      only these: statemgr render upload-local upload-s3 upload-hdfs
#                                    package submit scale
#
# Environment:
#   HERON_BENCH_DIR    work folder (data, confs, results); default target/bench (1.5 GB of inputs,
#                      generated once and reused)
#   HERON_BENCH_OUT    the report; default BENCHMARKS.md at the repo root ("-" for stdout only)
#   HERON_BENCH_QUICK  1: fewer runs and a smaller scale test (for trying the script, not for figures)
#   HERON_BENCH_NO_BUILD  1: use target/release as it is (no cargo build first)
#
# Services: reuses running ones when scripts/services.sh wrote its env file (.services/env, or
# $HERON_TEST_SERVICES_DIR/env); otherwise starts them and stops them at the end.
# Binaries: target/release (built here with `cargo build --release` if missing or stale).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BENCH="${HERON_BENCH_DIR:-$REPO_ROOT/target/bench}"
OUT="${HERON_BENCH_OUT:-$REPO_ROOT/BENCHMARKS.md}"
QUICK="${HERON_BENCH_QUICK:-0}"
REL="$REPO_ROOT/target/release"
HERE="$SCRIPTS_DIR/bench"
SERVICES_DIR="${HERON_TEST_SERVICES_DIR:-$REPO_ROOT/.services}"
ALL_SECTIONS=(statemgr render upload-local upload-s3 upload-hdfs package submit scale)
ZKCLI=/usr/share/zookeeper/bin/zkCli.sh
ROLE=bench
ENVIRON=devel

if (($#)); then
    SECTIONS=("$@")
    for s in "${SECTIONS[@]}"; do
        [[ " ${ALL_SECTIONS[*]} " == *" $s "* ]] || die "unknown section '$s' (sections: ${ALL_SECTIONS[*]})"
    done
else
    SECTIONS=("${ALL_SECTIONS[@]}")
fi
want() { [[ " ${SECTIONS[*]} " == *" $1 "* ]]; }
# runs N: N, or a third of it (at least 2) in quick mode.
runs() { if ((QUICK)); then echo $((($1 + 2) / 3 > 1 ? ($1 + 2) / 3 : 2)); else echo "$1"; fi; }

command -v hyperfine >/dev/null || die "hyperfine is missing; run scripts/install.sh"
[[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time, for peak RSS) is missing; apt-get install time"

T_START=$(now_ms)
RUN_ID="$(date -u +%Y%m%dT%H%M%SZ)"
R="$BENCH/results/$RUN_ID"
W="$BENCH/work"
DATA="$BENCH/data"
mkdir -p "$R" "$DATA"
rm -rf "$W"
mkdir -p "$W"
say "bench: results in ${R#"$REPO_ROOT"/}"

# --- binaries ---------------------------------------------------------------------------------
t0=$(now_ms)
if [[ "${HERON_BENCH_NO_BUILD:-0}" != 1 ]]; then
    say "bench: cargo build --release --workspace --bins (not part of the timed run)..."
    (cd "$REPO_ROOT" && cargo build --release --workspace --bins --quiet) || die "release build failed"
fi
PKG_BENCH=""
if want package && [[ "${HERON_BENCH_NO_BUILD:-0}" == 1 ]]; then
    # The newest bench executable already built (cargo bench -p heron-cli --bench package --no-run).
    PKG_BENCH=$(find "$REPO_ROOT/target/release/deps" -maxdepth 1 -type f -executable -name 'package-*' \
        -printf '%T@ %p\n' 2>/dev/null | sort -n | tail -n 1 | cut -d' ' -f2-)
    [[ -x "$PKG_BENCH" ]] || die "no package bench executable; run without HERON_BENCH_NO_BUILD"
elif want package; then
    PKG_BENCH=$(cd "$REPO_ROOT" && cargo bench -p heron-cli --bench package --no-run --message-format=json 2>/dev/null |
        python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "package" and m.get("executable"):
        print(m["executable"])' | tail -n 1) || true
    [[ -x "$PKG_BENCH" ]] || die "cannot build the package bench (cargo bench -p heron-cli --bench package --no-run)"
fi
elapsed "$t0" >"$R/build_seconds"
for b in heron heron-statemgr heron-uploader heron-aurora-render aurora; do
    [[ -x "$REL/$b" ]] || die "$REL/$b is missing after the build"
done
T_TIMED=$(now_ms)

# --- services ---------------------------------------------------------------------------------
STARTED_SERVICES=0
BENCH_SERVER="" # the bench-only S3 server running now (bench_s3_server), if any
cleanup() {
    if [[ -n "$BENCH_SERVER" ]]; then
        "$HERE/$BENCH_SERVER.sh" stop "$W/$BENCH_SERVER" >/dev/null 2>&1 || true
    fi
    if ((STARTED_SERVICES)); then
        say "bench: stopping the services it started"
        "$SCRIPTS_DIR/services.sh" stop >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT
if [[ -f "$SERVICES_DIR/env" ]] && "$SCRIPTS_DIR/services.sh" status >/dev/null 2>&1; then
    say "bench: reusing the running services ($SERVICES_DIR/env)"
else
    say "bench: starting the services (scripts/services.sh start)"
    "$SCRIPTS_DIR/services.sh" start >&2
    STARTED_SERVICES=1
fi
# shellcheck disable=SC1091
source "$SERVICES_DIR/env"
PY_HERON="$HERON_TEST_VENV/bin/python"
AWS="$HERON_TEST_TOOLS_VENV/bin/aws"
S3S_PID=$(cat "$(dirname "$HERON_TEST_S3_DIR")/s3s-fs.pid")

# --- inputs (made once) -----------------------------------------------------------------------
GIB=$((1 << 30))
JAR_BYTES=$((200 * 1000 * 1000))
BLOB="$DATA/blob-1g.bin"
JAR="$DATA/topology-200m.jar"
size_of() { stat -c %s "$1" 2>/dev/null || echo 0; }
if [[ "$(size_of "$BLOB")" != "$GIB" ]]; then
    say "bench: generating $BLOB (1 GiB, incompressible)"
    python3 "$HERE/gen_data.py" blob "$GIB" "$BLOB"
fi
if want package && (($(size_of "$JAR") < JAR_BYTES)); then
    say "bench: generating $JAR (a 200 MB jar of already-compressed entries)"
    python3 "$HERE/gen_data.py" jar "$JAR_BYTES" "$JAR"
fi

# --- configs: repo's conf/local with the backends swapped -------------------------------------
CONF="$W/conf"
ZK_ROOT="/heron-bench-$RUN_ID"
make_cluster() { # make_cluster NAME STATEMGR(localfs|zk) UPLOADER(localfs|s3|hdfs) [S3_URI]
    local c="$CONF/$1" s3_uri="${4:-$HERON_TEST_S3}"
    mkdir -p "$c"
    cp "$REPO_ROOT"/conf/local/*.yaml "$REPO_ROOT/conf/local/heron.aurora" "$c/"
    case "$2" in
    localfs) printf '%s\n' \
        "heron.class.state.manager: org.apache.heron.statemgr.localfs.LocalFileSystemStateManager" \
        "heron.statemgr.connection.string: LOCALMODE" \
        "heron.statemgr.root.path: \"$W/state/$1\"" \
        "heron.statemgr.localfs.is.initialize.file.tree: True" >"$c/statemgr.yaml" ;;
    zk) printf '%s\n' \
        "heron.class.state.manager: org.apache.heron.statemgr.zookeeper.curator.CuratorStateManager" \
        "heron.statemgr.connection.string: \"$HERON_TEST_ZK\"" \
        "heron.statemgr.root.path: \"$ZK_ROOT/$1\"" \
        "heron.statemgr.zookeeper.is.initialize.tree: True" >"$c/statemgr.yaml" ;;
    esac
    case "$3" in
    localfs) printf '%s\n' \
        "heron.class.uploader: org.apache.heron.uploader.localfs.LocalFileSystemUploader" \
        "heron.uploader.localfs.file.system.directory: \"$W/pkgs/\${CLUSTER}/\${ROLE}/\${TOPOLOGY}\"" \
        >"$c/uploader.yaml" ;;
    s3) printf '%s\n' \
        "heron.class.uploader: org.apache.heron.uploader.s3.S3Uploader" \
        "heron.uploader.s3.bucket: heron-bench" \
        "heron.uploader.s3.path_prefix: \"/\"" \
        "heron.uploader.s3.region: us-east-1" \
        "heron.uploader.s3.uri: \"$s3_uri\"" >"$c/uploader.yaml" ;;
    hdfs) printf '%s\n' \
        "heron.class.uploader: org.apache.heron.uploader.hdfs.HdfsUploader" \
        "heron.uploader.hdfs.config.directory: \"$HERON_TEST_HDFS_CONF\"" \
        "heron.uploader.hdfs.topologies.directory.uri: \"$HERON_TEST_HDFS/heron-bench/\${CLUSTER}/\${ROLE}\"" \
        >"$c/uploader.yaml" ;;
    esac
}
make_cluster local localfs localfs
make_cluster zk zk localfs
make_cluster zkscale zk localfs # the scale test's own ZooKeeper root: only its topologies
make_cluster s3 localfs s3
make_cluster hdfs localfs hdfs

# --- measurement helpers ----------------------------------------------------------------------
# bench ID RUNS WARMUP PREPARE CMD: hyperfine -> $R/ID.json, then one
# more run under GNU time for the peak RSS (of the largest process of the command) -> $R/ID.rss (KiB).
bench() {
    local id="$1" n="$2" warm="$3" prep="$4" cmd="$5" args=()
    args=(--style basic --runs "$(runs "$n")" --warmup "$warm" --export-json "$R/$id.json" -n "$id")
    if [[ -n "$prep" ]]; then
        # A file, so the preparation keeps its shell syntax when the command runs without a shell.
        printf '%s\n' "$prep" >"$R/$id.prepare.sh"
        args+=(--prepare "sh $R/$id.prepare.sh")
    fi
    # No shell where the command needs none: the shell's start-up is then not subtracted by
    # estimate, which matters for commands of a few milliseconds.
    [[ "$cmd" == *[\<\>\|\;\&]* ]] || args+=(-N)
    say ""
    hyperfine "${args[@]}" "$cmd" >&2
    [[ -n "$prep" ]] && sh -c "$prep" >/dev/null 2>&1
    /usr/bin/time -f %M -o "$R/$id.rss" sh -c "$cmd" >/dev/null 2>"$R/$id.rss-stderr" ||
        die "$id failed when run once more for its peak RSS: $(tail -n 3 "$R/$id.rss-stderr")"
}
# cpu_ticks PID: user+system clock ticks a process has used so far (/proc/PID/stat fields 14 and 15).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
note() { printf '%s\t%s\n' "$1" "$2" >>"$R/notes.tsv"; } # note KEY VALUE: extra figures for the report

# --- environment ------------------------------------------------------------------------------
{
    echo "cpu	$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)"
    echo "cores	$(nproc)"
    echo "memory	$(free -g | awk '/^Mem:/ { print $2 " GiB" }')"
    echo "kernel	$(uname -r)"
    echo "rustc	$(rustc --version)"
    echo "hyperfine	$(hyperfine --version)"
    echo "java	$(java -version 2>&1 | head -n 1)"
    echo "python	$("$PY_HERON" --version 2>&1)"
    echo "kazoo	$("$PY_HERON" -c 'import kazoo.version as v; print(v.__version__)' 2>/dev/null || echo '?')"
    echo "zookeeper	$(dpkg-query -W -f '${Version}' zookeeper 2>/dev/null || echo '?')"
    echo "awscli	$("$AWS" --version 2>&1 | head -n 1)"
    echo "s3s-fs	$S3S_VERSION"
    echo "hadoop	$("$SCRIPTS_DIR/hadoop" version 2>/dev/null | head -n 1)"
    echo "tar	$(tar --version | head -n 1)"
    echo "gzip	$(gzip --version | head -n 1)"
    echo "coreutils	$(cp --version | head -n 1)"
    echo "load average at start	$(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min; 2 cores shared with other work when above ~0.5)"
    echo "quick	$QUICK"
    echo "sections	${SECTIONS[*]}"
} >"$R/env.tsv"

SMGR=("$REL/heron-statemgr" --config-path "$CONF")
UPL=("$REL/heron-uploader" --config-path "$CONF" --role "$ROLE" --environ "$ENVIRON")

# --- statemgr: one-shot get/set/list, ours vs kazoo (fresh Python) vs zkCli.sh -----------------
if want statemgr; then
    say "== statemgr (ZooKeeper $HERON_TEST_ZK, root $ZK_ROOT/zk)"
    cat >"$W/exec.json" <<EOF
{"topology_name": "bench", "topology_id": "bench-0123456789", "submission_time": 1700000000,
 "submission_user": "bench", "cluster": "zk", "role": "$ROLE", "environ": "$ENVIRON"}
EOF
    "${SMGR[@]}" --cluster zk set executionstate bench --create <"$W/exec.json" >/dev/null
    "${SMGR[@]}" --cluster zk get executionstate bench --format proto >"$W/exec.pb"
    for i in $(seq 1 20); do # a list over 20 topologies
        sed "s/\"bench\"/\"bench$i\"/; s/bench-0123/bench$i-0123/" "$W/exec.json" |
            "${SMGR[@]}" --cluster zk set executionstate "bench$i" --create >/dev/null
    done
    node="$ZK_ROOT/zk/executionstate/bench"
    smgr="$REL/heron-statemgr --config-path $CONF --cluster zk"
    kz="$PY_HERON $HERE/kazoo_op.py $HERON_TEST_ZK"
    zkcli="$ZKCLI -server $HERON_TEST_ZK"
    bench statemgr-get-ours 40 3 "" "$smgr get executionstate bench"
    bench statemgr-get-kazoo 20 2 "" "$kz get $ZK_ROOT/zk executionstate bench"
    bench statemgr-get-zkcli 5 1 "" "$zkcli get $node"
    bench statemgr-set-ours 40 3 "" "$smgr set executionstate bench --replace < $W/exec.pb"
    bench statemgr-set-kazoo 20 2 "" "$kz set $ZK_ROOT/zk executionstate bench $W/exec.pb"
    # zkCli.sh takes the data as a command-line string: the JSON text stands in for the bytes.
    bench statemgr-set-zkcli 5 1 "" "$zkcli set $node '$(tr -d '\n ' <"$W/exec.json")'"
    # put the protobuf bytes back (zkCli wrote text)
    "${SMGR[@]}" --cluster zk set executionstate bench --replace <"$W/exec.pb" >/dev/null
    bench statemgr-list-ours 40 3 "" "$smgr list"
    bench statemgr-list-kazoo 20 2 "" "$kz list $ZK_ROOT/zk"
    bench statemgr-list-zkcli 5 1 "" "$zkcli ls $ZK_ROOT/zk/executionstate"
fi

# --- render: one job file per run --------------------------------------------------------------
if want render; then
    say "== render"
    cat >"$W/values.json" <<'EOF'
{"CLUSTER": "local", "ROLE": "bench", "ENVIRON": "devel", "TOPOLOGY_NAME": "WordCount",
 "NUM_CONTAINERS": 3, "CPUS_PER_CONTAINER": 2.0, "RAM_PER_CONTAINER": 2147483648,
 "DISK_PER_CONTAINER": 5368709120, "EXECUTOR_BINARY": "./heron-core/bin/heron-executor",
 "CORE_PACKAGE_URI": "file:///opt/heron/heron-core.tar.gz",
 "TOPOLOGY_PACKAGE_URI": "file:///tmp/pkgs/WordCount-bench-tag-0.tar.gz",
 "TOPOLOGY_ARGUMENTS": "--topology-name=WordCount --topology-id=WordCount0123 --topology-defn-file=WordCount.defn",
 "TIER": "preemptible"}
EOF
    bench render-ours 40 3 "" "$REL/heron-aurora-render --config-path $CONF --cluster local --role $ROLE --environ $ENVIRON --values $W/values.json -o $W/job.aurora"
    "$REL/heron-aurora-render" --check "$W/job.aurora" --job-key "local/$ROLE/$ENVIRON/WordCount" >/dev/null ||
        die "the rendered job does not pass --check"
fi

# --- uploads of 1 GiB ---------------------------------------------------------------------------
if want upload-local; then
    say "== upload to local disk (1 GiB)"
    dest="$W/pkgs/local/$ROLE/up1g"
    # The target row: the default upload (prints the URI only, so no sha256 is computed) vs cp.
    bench upload-local-ours 5 1 "rm -rf $dest" "${UPL[*]} --cluster local upload --topology up1g $BLOB"
    bench upload-local-cp 5 1 "rm -f $W/cp-dest.bin" "cp $BLOB $W/cp-dest.bin"
    # For information: the upload that reports size + sha256 (--format json, as heron submit runs
    # it) vs cp followed by hashing the copy, and the hash alone (openssl: SHA-NI; coreutils'
    # sha256sum here is about 3x slower).
    bench upload-local-ours-json 5 1 "rm -rf $dest" "${UPL[*]} --cluster local --format json upload --topology up1g $BLOB"
    bench upload-local-cp-sha256 5 1 "rm -f $W/cp-dest.bin" "cp $BLOB $W/cp-dest.bin && openssl dgst -sha256 $W/cp-dest.bin"
    bench upload-local-sha256 5 1 "" "openssl dgst -sha256 $BLOB"
    rm -rf "$dest" "$W/cp-dest.bin"
fi

# s3_rows PREFIX URL SERVER_PID: our uploader (signed and unsigned bodies) and `aws s3 cp` against one
# S3 server (cluster PREFIX, credentials in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), with the
# server's own CPU time per upload (/proc/PID/stat before and after) as notes.
s3_rows() {
    local id="$1" url="$2" pid="$3" aws_s3 del_ours del_aws c0 c1 c2 c3 hz
    aws_s3=("$AWS" --endpoint-url "$url" s3)
    "$AWS" --endpoint-url "$url" s3api head-bucket --bucket heron-bench >/dev/null 2>&1 ||
        "${aws_s3[@]}" mb s3://heron-bench >/dev/null
    # Each run starts from an absent object (a first submit): no server-side backup copy.
    del_ours="${UPL[*]} --cluster $id delete --topology up1g >/dev/null 2>&1 || true"
    del_aws="${aws_s3[*]} rm s3://heron-bench/aws/up1g/topology.tar.gz >/dev/null 2>&1 || true"
    c0=$(cpu_ticks "$pid")
    # The target row: the default config; over this http endpoint the bodies are signed (as aws s3 cp).
    bench "upload-$id-ours" 3 0 "$del_ours" "${UPL[*]} --cluster $id upload --topology up1g $BLOB"
    c1=$(cpu_ticks "$pid")
    bench "upload-$id-aws" 3 0 "$del_aws" "${aws_s3[*]} cp --only-show-errors $BLOB s3://heron-bench/aws/up1g/topology.tar.gz"
    c2=$(cpu_ticks "$pid")
    # For information: bodies as UNSIGNED-PAYLOAD, what an https endpoint (AWS S3 itself) gets by default.
    bench "upload-$id-ours-unsigned" 3 0 "$del_ours" \
        "${UPL[*]} --cluster $id --config-property heron.uploader.s3.payload.signing=unsigned upload --topology up1g $BLOB"
    c3=$(cpu_ticks "$pid")
    hz=$(getconf CLK_TCK)
    # runs+1 uploads each (hyperfine runs, then the RSS run)
    per_upload() { awk -v t="$1" -v hz="$hz" -v n="$(($(runs 3) + 1))" 'BEGIN { printf "%.2f", t / hz / n }'; }
    note "${id}_server_cpu_seconds_per_upload_ours" "$(per_upload $((c1 - c0)))"
    note "${id}_server_cpu_seconds_per_upload_aws" "$(per_upload $((c2 - c1)))"
    note "${id}_server_cpu_seconds_per_upload_ours_unsigned" "$(per_upload $((c3 - c2)))"
    sh -c "$del_ours"
    sh -c "$del_aws"
}

# bench_s3_server ID SCRIPT NAME: one of the benchmarks' own S3 servers (scripts/bench/SCRIPT.sh,
# `scripts/install.sh SCRIPT`) installed, started (it checks its signature checks), its rows
# (cluster ID), then stopped and its data removed.
bench_s3_server() {
    local id="$1" script="$2" name="$3" server_env
    "$SCRIPTS_DIR/install.sh" "$script" || die "cannot install $name (scripts/install.sh $script)"
    server_env=$("$HERE/$script.sh" start "$W/$script" heron-bench) || die "cannot start $name (log in $W/$script)"
    BENCH_SERVER="$script"
    eval "$server_env"
    printf '%s\t%s\n' "$script" "$S3_BENCH_VERSION" >>"$R/env.tsv"
    say "== upload to S3 ($name at $S3_BENCH_URL, 1 GiB)"
    make_cluster "$id" localfs s3 "$S3_BENCH_URL"
    export AWS_ACCESS_KEY_ID="$S3_BENCH_ACCESS" AWS_SECRET_ACCESS_KEY="$S3_BENCH_SECRET"
    s3_rows "$id" "$S3_BENCH_URL" "$S3_BENCH_PID"
    "$HERE/$script.sh" stop "$W/$script"
    BENCH_SERVER=""
    # Its volume files (~12 GB for SeaweedFS) would otherwise be written back to disk during the
    # next rows (the DataNode's writes wait on that writeback): removed before the kernel flushes them.
    rm -rf "$W/$script/data"
    sync
}

if want upload-s3; then
    export AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
    say "== upload to S3 (s3s-fs at $HERON_TEST_S3, 1 GiB)"
    export AWS_ACCESS_KEY_ID="$HERON_TEST_S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$HERON_TEST_S3_SECRET_KEY"
    s3_rows s3 "$HERON_TEST_S3" "$S3S_PID"
    # The second server: SeaweedFS serves parts on several threads; the third: MinIO (single
    # drive). Bench only; each built once.
    bench_s3_server swfs seaweedfs SeaweedFS
    bench_s3_server minio minio MinIO
    unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
fi

if want upload-hdfs; then
    say "== upload to HDFS (MiniDFSCluster at $HERON_TEST_HDFS, 1 GiB and 200 MB)"
    export HADOOP_CONF_DIR="$HERON_TEST_HDFS_CONF"
    HDFS_PID=$(cat "$SERVICES_DIR/hdfs/minidfs.pid")
    JAR_BLOB="$DATA/blob-200m.bin" # a fat jar's size, incompressible like one
    [[ "$(size_of "$JAR_BLOB")" == "$JAR_BYTES" ]] || head -c "$JAR_BYTES" "$BLOB" >"$JAR_BLOB"
    "$SCRIPTS_DIR/hadoop" fs -mkdir -p /heron-bench/hadoop >/dev/null 2>&1
    del_ours="${UPL[*]} --cluster hdfs delete --topology up1g >/dev/null 2>&1 || true"
    del_hadoop="$SCRIPTS_DIR/hadoop fs -rm -f -skipTrash /heron-bench/hadoop/up1g.tar.gz >/dev/null 2>&1 || true"
    hz=$(getconf CLK_TCK)
    dn_per_upload() { awk -v t="$1" -v hz="$hz" -v n="$(($(runs 3) + 1))" 'BEGIN { printf "%.2f", t / hz / n }'; }
    c0=$(cpu_ticks "$HDFS_PID")
    bench upload-hdfs-ours 3 0 "$del_ours" "${UPL[*]} --cluster hdfs upload --topology up1g $BLOB"
    c1=$(cpu_ticks "$HDFS_PID")
    bench upload-hdfs-hadoop 3 0 "$del_hadoop" "$SCRIPTS_DIR/hadoop fs -put $BLOB /heron-bench/hadoop/up1g.tar.gz"
    c2=$(cpu_ticks "$HDFS_PID")
    note hdfs_server_cpu_seconds_per_upload_ours "$(dn_per_upload $((c1 - c0)))"
    note hdfs_server_cpu_seconds_per_upload_hadoop "$(dn_per_upload $((c2 - c1)))"
    # With the sha256 computed and reported (what `heron submit` asks for).
    bench upload-hdfs-ours-json 3 0 "$del_ours" "${UPL[*]} --cluster hdfs --format json upload --topology up1g $BLOB"
    bench upload-hdfs-ours-200m 5 1 "$del_ours" "${UPL[*]} --cluster hdfs upload --topology up1g $JAR_BLOB"
    bench upload-hdfs-hadoop-200m 5 1 "$del_hadoop" "$SCRIPTS_DIR/hadoop fs -put $JAR_BLOB /heron-bench/hadoop/up1g.tar.gz"
    sh -c "$del_ours"
    "$SCRIPTS_DIR/hadoop" fs -rm -r -f -skipTrash /heron-bench >/dev/null 2>&1 || true
fi

# --- package build: topology.tar.gz of a 200 MB jar ---------------------------------------------
if want package; then
    say "== package build (200 MB jar)"
    pk="$W/package"
    mkdir -p "$pk/in"
    cp "$JAR" "$pk/in/topology.jar"
    head -c 4096 /dev/urandom >"$pk/in/bench.defn"
    mkdir -p "$pk/in/heron-conf"
    cp "$CONF/local/"* "$pk/in/heron-conf/"
    in="$pk/in"
    bench package-ours 5 1 "rm -f $pk/ours.tar.gz" "$PKG_BENCH --build $pk/ours.tar.gz $in/topology.jar $in/bench.defn $in/heron-conf"
    # The builder before issue 9's speed work (one thread, fsync), same inputs, same run.
    bench package-before 3 0 "rm -f $pk/before.tar.gz" "$PKG_BENCH --build-single-thread $pk/before.tar.gz $in/topology.jar $in/bench.defn $in/heron-conf"
    bench package-gnutar 3 0 "rm -f $pk/gnu.tar.gz" "tar -C $in -chzf $pk/gnu.tar.gz topology.jar bench.defn heron-conf"
    bench package-pytarfile 3 0 "rm -f $pk/py.tar.gz" "$PY_HERON $HERE/py_tarfile.py $pk/py.tar.gz $in/topology.jar $in/bench.defn $in/heron-conf"
    # Readers: GNU tar (what the executor runs) and Python's tarfile must list every entry and
    # extract the jar byte for byte.
    mkdir -p "$pk/x"
    tar -C "$pk/x" -zxf "$pk/ours.tar.gz" || die "tar zxf cannot read our package"
    cmp -s "$pk/x/topology.jar" "$JAR" || die "the jar extracted from our package differs from the input"
    "$PY_HERON" -c 'import sys, tarfile; t = tarfile.open(sys.argv[1]); n = t.getnames(); assert "topology.jar" in n, n' \
        "$pk/ours.tar.gz" || die "Python's tarfile cannot read our package"
    note package_bytes_ours "$(size_of "$pk/ours.tar.gz")"
    note package_bytes_gnutar "$(size_of "$pk/gnu.tar.gz")"
    note package_bytes_pytarfile "$(size_of "$pk/py.tar.gz")"
    note package_readers "tar zxf and Python tarfile read ours; the extracted jar is identical"
    rm -rf "$pk"
fi

# --- submit end to end, against one JVM start ---------------------------------------------------
AURORA_STATE="$W/aurora"
mkdir -p "$AURORA_STATE"
export AURORA_STANDIN_STATE_DIR="$AURORA_STATE" HERON_AURORA_BIN="$REL/aurora"
cat >"$W/wc.yaml" <<'EOF'
name: WordCount
config:
  topology.stmgrs: 2
spouts:
  - name: word
    class: com.example.WordSpout
    parallelism: 2
bolts:
  - name: count
    class: com.example.CountBolt
    parallelism: 3
streams:
  - from: word
    to: count
    grouping: FIELDS
    fields: [word]
EOF
HERON=("$REL/heron")
if want submit; then
    say "== submit (local disk state and packages, aurora stand-in)"
    reset_local="rm -rf $W/state/local $W/pkgs/local $AURORA_STATE && mkdir -p $AURORA_STATE"
    sh -c "$reset_local"
    "${HERON[@]}" submit --config-path "$CONF" "local/$ROLE/$ENVIRON" "$W/wc.yaml" - >/dev/null 2>"$W/submit.err" ||
        die "heron submit of a YAML topology failed: $(tail -n 5 "$W/submit.err")"
    "$REL/heron-statemgr" --config-path "$CONF" --cluster local get topology WordCount --format proto >"$W/WordCount.defn"
    bench submit-yaml 20 2 "$reset_local" "${HERON[*]} submit --config-path $CONF local/$ROLE/$ENVIRON $W/wc.yaml -"
    # The chain's floor: the same submit with every stage (docs/stage-contract.md) replaced by one
    # tiny static program that only answers (scripts/bench/floor_stage.rs; built here, not shipped).
    floor="$W/floor"
    mkdir -p "$floor"
    rustc --edition 2021 -O -C panic=abort -C strip=symbols -C target-feature=+crt-static \
        -o "$floor/floor-stage" "$HERE/floor_stage.rs" 2>"$W/floor-build.err" ||
        die "cannot build the floor stage program: $(tail -n 5 "$W/floor-build.err")"
    for stage in statemgr uploader render aurora; do ln -sf floor-stage "$floor/floor-$stage"; done
    export HERON_STATEMGR_BIN="$floor/floor-statemgr" HERON_UPLOADER_BIN="$floor/floor-uploader" \
        HERON_AURORA_RENDER_BIN="$floor/floor-render" HERON_AURORA_BIN="$floor/floor-aurora"
    sh -c "$reset_local"
    "${HERON[@]}" submit --config-path "$CONF" "local/$ROLE/$ENVIRON" "$W/wc.yaml" - >/dev/null 2>"$W/submit.err" ||
        die "heron submit with the floor stages failed: $(tail -n 5 "$W/submit.err")"
    bench submit-floor 20 2 "$reset_local" "${HERON[*]} submit --config-path $CONF local/$ROLE/$ENVIRON $W/wc.yaml -"
    unset HERON_STATEMGR_BIN HERON_UPLOADER_BIN HERON_AURORA_RENDER_BIN
    export HERON_AURORA_BIN="$REL/aurora"
    bench submit-defn 20 2 "$reset_local" "${HERON[*]} submit --config-path $CONF local/$ROLE/$ENVIRON $W/WordCount.defn -"
    bench submit-java-version 20 2 "" "java -version"
fi

# --- scale: list, explorer topologies and a scripted kill across 10, 100, 1,000 topologies ------
if want scale; then
    say "== scale (ZooKeeper state, local packages, aurora stand-in)"
    sizes=(10 100 1000)
    ((QUICK)) && sizes=(10 50 100)
    for n in "${sizes[@]}"; do
        rm -rf "$AURORA_STATE" && mkdir -p "$AURORA_STATE"
        names="$W/names-$n"
        seq -f "scale%04g" 1 "$n" >"$names"
        t0=$(now_ms)
        # Two at a time (two cores); each is a real `heron submit`.
        xargs -P 2 -I{} sh -c "sed 's/^name: WordCount/name: {}/' $W/wc.yaml > $W/{}.yaml &&
            ${HERON[*]} submit --config-path $CONF zkscale/$ROLE/$ENVIRON $W/{}.yaml - >/dev/null 2>>$W/scale.err && rm -f $W/{}.yaml" \
            <"$names" || die "submitting $n topologies failed: $(tail -n 5 "$W/scale.err")"
        note "scale_submit_seconds_$n" "$(elapsed "$t0")"
        got=$("$REL/heron-statemgr" --config-path "$CONF" --cluster zkscale list --format json |
            python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
        [[ "$got" == "$n" ]] || die "after submitting $n topologies, list shows $got"
        bench "scale-list-$n" 10 1 "" "$REL/heron-statemgr --config-path $CONF --cluster zkscale list"
        # What an operator runs instead of asking a heron-tracker: every topology's role, env,
        # state and submitter, in one `heron explorer` (one `heron-statemgr dump` child).
        got=$("${HERON[@]}" explorer topologies --config-path "$CONF" zkscale --format json |
            python3 -c 'import json,sys; print(len(json.load(sys.stdin)["topologies"]))')
        [[ "$got" == "$n" ]] || die "heron explorer topologies shows $got of $n topologies"
        bench "scale-topologies-$n" 10 1 "" "${HERON[*]} explorer topologies --config-path $CONF zkscale"
        # The scripted kill: one `heron kill` per topology, in sequence, as an operator's loop does.
        t0=$(now_ms)
        while read -r t; do
            "${HERON[@]}" kill --config-path "$CONF" "zkscale/$ROLE/$ENVIRON" "$t" >/dev/null 2>>"$W/scale.err" ||
                die "heron kill $t failed: $(tail -n 5 "$W/scale.err")"
        done <"$names"
        note "scale_kill_seconds_$n" "$(elapsed "$t0")"
        got=$("$REL/heron-statemgr" --config-path "$CONF" --cluster zkscale list --format json |
            python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
        [[ "$got" == "0" ]] || die "after killing $n topologies, list still shows $got"
    done
fi

# --- clean up our ZooKeeper tree, write the report -----------------------------------------------
"$PY_HERON" -c 'import sys
from kazoo.client import KazooClient
c = KazooClient(hosts=sys.argv[1]); c.start(timeout=30); c.delete(sys.argv[2], recursive=True); c.stop()' \
    "$HERON_TEST_ZK" "$ZK_ROOT" 2>/dev/null || true
elapsed "$T_TIMED" >"$R/timed_seconds"
printf 'load average at end\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$R/env.tsv"
say "bench: timed part took $(elapsed "$T_TIMED") s (whole script $(elapsed "$T_START") s)"
if [[ "$OUT" == "-" ]]; then
    python3 "$HERE/report.py" "$R"
else
    python3 "$HERE/report.py" "$R" >"$OUT.tmp" && mv -f "$OUT.tmp" "$OUT"
    say "bench: wrote ${OUT#"$REPO_ROOT"/}"
fi
