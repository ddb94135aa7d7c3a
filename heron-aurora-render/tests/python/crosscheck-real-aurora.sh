#!/usr/bin/env bash
# Manual cross-check (not run by cargo test): loads job files with Aurora's REAL schema modules
# instead of our re-statement (aurora_schema.py), and compares the result with ours.
#
#   crosscheck-real-aurora.sh AURORA_GIT_DIR JOBFILE...
#
# AURORA_GIT_DIR is a clone (or bare repo) of apache/aurora. Its schema files are extracted at run
# time into a temporary folder, never into this repository; the two imports they need from outside
# (twitter.common.lang.Compatibility and the thrift constant AURORA_EXECUTOR_NAME) are stubbed.
# Prints one line per job file; exits 1 if any job differs or fails to load.
set -euo pipefail

[ $# -ge 2 ] || { echo "usage: $0 AURORA_GIT_DIR JOBFILE..." >&2; exit 2; }
git_dir="$1"; shift
here="$(cd "$(dirname "$0")" && pwd)"
python="$("$here/setup-venv.sh")"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp/apache/thermos/config" "$tmp/apache/aurora/config/schema" "$tmp/twitter/common/lang" \
  "$tmp/gen/apache/aurora/api"
for pkg in apache apache/thermos apache/thermos/config apache/aurora apache/aurora/config \
    apache/aurora/config/schema twitter twitter/common gen gen/apache gen/apache/aurora gen/apache/aurora/api; do
  : > "$tmp/$pkg/__init__.py"
done
for f in schema.py schema_base.py schema_helpers.py; do
  git -C "$git_dir" show "HEAD:src/main/python/apache/thermos/config/$f" > "$tmp/apache/thermos/config/$f"
done
git -C "$git_dir" show HEAD:src/main/python/apache/aurora/config/schema/base.py > "$tmp/apache/aurora/config/schema/base.py"
printf 'class Compatibility(object):\n  string = (str,)\n' > "$tmp/twitter/common/lang/__init__.py"
printf "AURORA_EXECUTOR_NAME = 'AuroraExecutor'\n" > "$tmp/gen/apache/aurora/api/constants.py"
cp "$here/load_job.py" "$tmp/"
printf 'from apache.aurora.config.schema.base import *\nfrom apache.thermos.config.schema_base import MB, GB\n' \
  > "$tmp/aurora_schema.py"

status=0
for job in "$@"; do
  if ! "$python" "$tmp/load_job.py" "$job" > "$tmp/real.json"; then
    echo "$job: Aurora's real schema refuses it"; status=1; continue
  fi
  "$python" "$here/load_job.py" "$job" > "$tmp/ours.json" || { echo "$job: our schema refuses it"; status=1; continue; }
  if cmp -s "$tmp/real.json" "$tmp/ours.json"; then
    echo "$job: same job with Aurora's schema and ours"
  else
    echo "$job: DIFFERENT"; diff "$tmp/real.json" "$tmp/ours.json" || true; status=1
  fi
done
exit $status
