#!/usr/bin/env bash
# Creates (once) the small Python venv the heron-aurora-render tests use to load rendered job
# files with pystachio, the templating library Apache Aurora's config loader is built on.
#
#   heron-aurora-render/tests/python/setup-venv.sh [VENV_DIR]
#
# VENV_DIR defaults to $HERON_RENDER_VENV, else ~/.cache/heron-rs/venv-render. Idempotent: an
# existing venv that already imports pystachio 0.8.10 is left alone. Prints the venv's python.
set -euo pipefail

PYSTACHIO_VERSION=0.8.10
venv="${1:-${HERON_RENDER_VENV:-${HOME}/.cache/heron-rs/venv-render}}"
python="${PYTHON:-python3}"

have_pystachio() {
  [ -x "$venv/bin/python" ] &&
    "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('pystachio') != '$PYSTACHIO_VERSION')" \
      >/dev/null 2>&1
}

if ! have_pystachio; then
  if ! command -v "$python" >/dev/null 2>&1; then
    echo "error: $python not found; install Python 3 (with the venv module) first" >&2
    exit 1
  fi
  mkdir -p "$(dirname "$venv")"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "pystachio==$PYSTACHIO_VERSION"
  have_pystachio || { echo "error: pystachio $PYSTACHIO_VERSION did not install into $venv" >&2; exit 1; }
fi
echo "$venv/bin/python"
