#!/usr/bin/env bash
# examples/pipeline.sh: `heron submit`, done by hand, one stage program at a time.
#
# What `heron submit` does in one command, written out the way an operator composes the stage
# binaries in a script of their own (docs/stage-contract.md, docs/architecture.md):
#
#   1. define   run the topology program with HERON_OPTIONS; it writes <name>.defn
#   2. pack     `heron submit --dry-run --format json` on that .defn: packing plan + job bindings
#   3. package  tar: the program, the .defn, the cluster's conf folder as heron-conf/
#   4. upload   heron-uploader upload                  -> the package URI
#   5. state    heron-statemgr set --create, four nodes (topology, packing plan, execution state,
#               scheduler location)
#   6. render   heron-aurora-render, then heron-aurora-render --check
#   7. create   aurora job create --wait-until RUNNING
#
# A failing stage (or Ctrl-C) undoes what the stages before it did, newest first: killall the job,
# clean the state, undo the upload. stdout carries only the final line; the stages' own output
# goes to stderr. The script exits with the failing stage's exit code
# (docs/exit-codes.md), 130 when interrupted.
#
# Usage:
#   examples/pipeline.sh CLUSTER/ROLE/ENV TOPOLOGY-FILE [TOPOLOGY-ARGS...]
#
# TOPOLOGY-FILE is a heronpy program as a pex (.pex; run with $HERON_PYTHON, default python3) or
# an already-written topology definition (.defn). Heron's Python instances load a topology's code
# from the pex, so a .py file cannot be shipped as it is: build the pex first (a zip; with the
# standard library, `python3 -m zipapp DIR -m module:main -o topology.pex`), or let `heron
# submit` take the .py, which builds the pex itself.
#
# Environment:
#   HERON_CONFIG_PATH   the config root (default ~/.heron/conf); the cluster is a folder in it
#   HERON_BIN_DIR       where heron, heron-uploader, heron-statemgr, heron-aurora-render are
#                       (default: found on PATH)
#   HERON_AURORA_BIN    the aurora client (default: aurora on PATH)
#   HERON_PYTHON        python with heronpy, for .pex programs (default python3)
#   PIPELINE_KEEP_WORK  set to 1 to keep the work folder (the package, plan, job file)
#
# Example, all local (state and packages under ~/.herondata, Aurora replaced by the workspace's
# stand-in, which checks the job and runs nothing; see docs/aurora-standin.md):
#   cargo build --workspace --bins
#   export HERON_CONFIG_PATH=$PWD/conf HERON_BIN_DIR=$PWD/target/debug
#   export HERON_AURORA_BIN=$PWD/target/debug/aurora AURORA_STANDIN_STATE_DIR=$HOME/.herondata/aurora
#   python3 -m zipapp examples/python -m word_count:main -o /tmp/word_count.pex
#   HERON_PYTHON=~/heronpy/bin/python examples/pipeline.sh local/$USER/devel /tmp/word_count.pex

set -euo pipefail

die() { # die CODE MESSAGE
    printf 'error: %s\n' "$2" >&2
    exit "$1"
}
say() { printf '[pipeline] %s\n' "$*" >&2; }

[[ $# -ge 2 ]] || die 2 "usage: $0 CLUSTER/ROLE/ENV TOPOLOGY-FILE [TOPOLOGY-ARGS...]"
spec=$1 program=$2
shift 2
IFS=/ read -r cluster role environ extra <<<"$spec"
[[ -n $cluster && -n ${role:-} && -n ${environ:-} && -z ${extra:-} ]] ||
    die 2 "$spec: give CLUSTER/ROLE/ENV (Aurora needs all three)"
[[ -f $program ]] || die 3 "topology file $program does not exist"

config_path=${HERON_CONFIG_PATH:-$HOME/.heron/conf}
[[ -d $config_path/$cluster ]] ||
    die 3 "no config for cluster $cluster: $config_path/$cluster does not exist (copy one of conf/ there, or set HERON_CONFIG_PATH)"

tool() { # the path of a stage program
    if [[ -n ${HERON_BIN_DIR:-} ]]; then
        printf '%s/%s' "$HERON_BIN_DIR" "$1"
    else
        command -v "$1" || die 3 "$1 is not on PATH (set HERON_BIN_DIR)"
    fi
}
heron=$(tool heron)
uploader=$(tool heron-uploader)
statemgr=$(tool heron-statemgr)
render=$(tool heron-aurora-render)
aurora=${HERON_AURORA_BIN:-$(command -v aurora || true)}
[[ -n $aurora ]] || die 3 "no aurora client on PATH (install Aurora's client, or set HERON_AURORA_BIN)"
command -v jq >/dev/null || die 3 "jq is needed to read the plan (apt-get install jq)"

# Arguments every stage takes (docs/stage-contract.md, "Common arguments").
common=(--config-path "$config_path" --cluster "$cluster" --role "$role" --environ "$environ")

work=$(mktemp -d "${TMPDIR:-/tmp}/heron-pipeline.XXXXXX")

# ---- rollback ------------------------------------------------------------------------------
undo=() # commands, newest last
on_exit() {
    local status=$?
    trap - EXIT INT TERM
    if [[ $status -ne 0 && ${#undo[@]} -gt 0 ]]; then
        say "stage failed (exit $status); rolling back"
        local i
        for ((i = ${#undo[@]} - 1; i >= 0; i--)); do
            say "rollback: ${undo[i]}"
            eval "${undo[i]}" >&2 || say "rollback step failed; continuing"
        done
    fi
    if [[ ${PIPELINE_KEEP_WORK:-0} == 1 ]]; then
        say "work folder kept: $work"
    else
        rm -rf "$work"
    fi
    exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT TERM

run() { # run STAGE COMMAND...: a stage's failure ends the script with the stage's exit code
    local stage=$1 status=0
    shift
    "$@" || status=$?
    if [[ $status -ne 0 ]]; then
        printf 'error: stage %s failed (%s exited %d)\n' "$stage" "${1##*/}" "$status" >&2
        exit "$status"
    fi
}

# ---- 1. define -----------------------------------------------------------------------------
mkdir -p "$work/defn"
case $program in
*.defn)
    cp "$program" "$work/defn/"
    ;;
*.py)
    die 2 "$program: a .py cannot run on Heron as it is (its Python instances load the topology's code from a pex, a zip): build one, e.g. \`python3 -m zipapp $(dirname "$program") -m $(basename "$program" .py):main -o $(basename "$program" .py).pex\`, or submit the .py with heron submit, which builds the pex"
    ;;
*.pex)
    # Heron's HERON_OPTIONS (heron-aurora.md §4.4): k=v pairs joined by `,`, spaces as %%%%.
    user=${USER:-$(id -un)}
    for value in "$work" "$cluster" "$role" "$environ" "$user" "${program##*/}"; do
        [[ $value != *[,=]* ]] || die 2 "HERON_OPTIONS cannot carry ${value@Q} (no ',' or '=' allowed)"
    done
    options="cmdline.topologydefn.tmpdirectory=$work/defn,cmdline.topology.initial.state=RUNNING"
    options+=",cmdline.topology.role=$role,cmdline.topology.environment=$environ"
    options+=",cmdline.topology.cluster=$cluster,cmdline.topology.file_name=${program##*/}"
    options+=",cmdline.topology.class_name=-,cmdline.topology.submit_user=$user"
    say "1/7 define: ${HERON_PYTHON:-python3} $program $*"
    HERON_OPTIONS=${options// /%%%%} run define "${HERON_PYTHON:-python3}" "$program" "$@"
    ;;
*) die 2 "$program: give a heronpy program as a pex (.pex) or a topology definition (.defn)" ;;
esac
shopt -s nullglob
defns=("$work"/defn/*.defn)
shopt -u nullglob
[[ ${#defns[@]} -eq 1 ]] ||
    die 2 "the topology program wrote ${#defns[@]} .defn files (expected one): does it call build_and_submit()?"
defn=${defns[0]}
# A class of the module the pex ran as its program is `__main__.X`: Heron's instances import
# component classes by module from the unzipped pex and cannot import that (heron submit refuses
# it too). Class names are plain strings in the .defn's bytes.
if [[ $program == *.pex ]] && grep -qa '__main__\.' "$defn"; then
    die 2 "$program: its components are classes of the module it runs as its program (__main__.X), which Heron's instances cannot import: build the pex with the function that builds the topology as its entry point (zipapp -m module:main, pex -e module:main)"
fi

# ---- 2. pack -------------------------------------------------------------------------------
say "2/7 pack: heron submit --dry-run --format json"
run pack "$heron" submit --dry-run --format json --config-path "$config_path" \
    "$cluster/$role/$environ" "$defn" - >"$work/plan.json"
name=$(jq -r .topology "$work/plan.json")
job_key=$(jq -r .job_key "$work/plan.json")
topology_id=$(jq -r '.bindings.TOPOLOGY_ARGUMENTS' "$work/plan.json" |
    sed -n 's/.*--topology-id=\([^ ]*\).*/\1/p')
[[ -n $name && -n $topology_id ]] || die 1 "the plan names no topology or topology id"
say "topology $name ($topology_id), Aurora job $job_key"

# Refuse an existing topology before anything is uploaded, as heron submit does.
status=0
"$statemgr" "${common[@]}" exists topologies "$name" || status=$?
case $status in
0) die 4 "topology $name already exists in cluster $cluster; kill it first (heron kill $spec $name)" ;;
3) ;;
*) die "$status" "cannot read the state of cluster $cluster (heron-statemgr exited $status)" ;;
esac

# ---- 3. package ----------------------------------------------------------------------------
say "3/7 package"
binary=${program##*/}
mkdir -p "$work/pkg/heron-conf"
cp -R "$config_path/$cluster/." "$work/pkg/heron-conf/"
: >"$work/pkg/heron-conf/override.yaml"
printf 'heron.build.version: pipeline\nheron.build.user: %s\n' "${USER:-unknown}" \
    >"$work/pkg/heron-conf/release.yaml"
cp "$defn" "$work/pkg/"
[[ $program == *.defn ]] || cp "$program" "$work/pkg/$binary"
tar -czhf "$work/topology.tar.gz" -C "$work/pkg" .

# ---- 4. upload -----------------------------------------------------------------------------
say "4/7 upload: heron-uploader upload"
run upload "$uploader" upload "${common[@]}" --topology "$name" --format json \
    "$work/topology.tar.gz" >"$work/upload.json"
uri=$(jq -r .uri "$work/upload.json")
undo+=("$(printf '%q ' "$uploader" undo "${common[@]}" --topology "$name")")
say "package at $uri"

# ---- 5. state ------------------------------------------------------------------------------
say "5/7 state: heron-statemgr set --create (4 nodes)"
undo+=("$(printf '%q ' "$statemgr" "${common[@]}" clean "$name")")
run state "$statemgr" "${common[@]}" set topologies "$name" --create --input-format proto <"$defn"
# Aurora gives every container the largest container's resources; so does the stored plan.
jq --arg id "$topology_id" '
    .packing_plan.containers as $cs
    | ($cs | map(.resources)) as $rs
    | {cpu: ($rs | map(.cpu) | max), ram: ($rs | map(.ram) | max), disk: ($rs | map(.disk) | max)} as $max
    | {id: $id, container_plans: [$cs[] | {
        id: .id,
        instance_plans: [.components[] | {component_name: .component, task_id: .id,
                                          component_index: .index, resource: .resources}],
        required_resource: $max, scheduled_resource: $max}]}' "$work/plan.json" |
    run state "$statemgr" "${common[@]}" set packingplans "$name" --create --input-format json
jq -n --arg name "$name" --arg id "$topology_id" --arg c "$cluster" --arg r "$role" \
    --arg e "$environ" --arg u "${USER:-unknown}" --argjson t "$(date +%s)" \
    '{topology_name: $name, topology_id: $id, submission_time: $t, submission_user: $u,
      cluster: $c, environ: $e, role: $r,
      release_state: {release_username: $u, release_tag: "", release_version: "pipeline"}}' |
    run state "$statemgr" "${common[@]}" set executionstate "$name" --create --input-format json
jq -n --arg name "$name" \
    '{topology_name: $name, http_endpoint: "scheduler_as_lib_no_endpoint", job_page_link: []}' |
    run state "$statemgr" "${common[@]}" set schedulers "$name" --create --input-format json

# ---- 6. render -----------------------------------------------------------------------------
say "6/7 render: heron-aurora-render"
# The plan's bindings describe a dry run: point the job at the uploaded package and at the
# program file inside it (the dry run saw only the .defn).
pkg_type=jar
[[ $binary == *.pex ]] && pkg_type=pex
jq --arg bin "$binary" --arg type "$pkg_type" '.bindings
    | .TOPOLOGY_ARGUMENTS |= (sub("--topology-binary-file=[^ ]*"; "--topology-binary-file=" + $bin)
                             | sub("--pkg-type=[^ ]*"; "--pkg-type=" + $type))' "$work/plan.json" |
    run render "$render" "${common[@]}" --values - --bind "TOPOLOGY_PACKAGE_URI=$uri" -o "$work/job.aurora"
run render "$render" --check "$work/job.aurora" --job-key "$job_key" >&2

# ---- 7. create -----------------------------------------------------------------------------
say "7/7 create: aurora job create $job_key"
undo+=("$(printf '%q ' "$aurora" job killall "$job_key" --batch-size 2147483647)")
run create "$aurora" job create --wait-until RUNNING "$job_key" "$work/job.aurora" >&2

undo=()
printf "Topology '%s' submitted: Aurora job %s, package %s\n" "$name" "$job_key" "$uri"
