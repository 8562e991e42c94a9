#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh machine, then runs lint, types and tests.
# Usage: bash scripts/test.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}

# --- system packages (Debian) the tests use: a real headless browser, the sandbox -------
# chromium: the studio's browser tests; bubblewrap: the code sandbox; postgresql: the SQL
# tool's read-only tests; python3: a system Python any uid can run (sandbox tests)
APT_PACKAGES="chromium bubblewrap postgresql python3"
missing=""
for pkg in $APT_PACKAGES; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing Debian packages:$missing"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null) \
      || echo "warning: could not install$missing; the tests that need them will FAIL"
  else
    echo "warning: not root, cannot install$missing; the tests that need them will FAIL"
  fi
fi

# --- Python packages ---------------------------------------------------------------------
$PY -m pip install -q --disable-pip-version-check -e ".[test]"
# The local-model provider is tested with a tiny model built in the test. torch is pinned to
# the CPU build this machine kind ships as a local wheel (an unpinned torch would pull GPU
# builds); without it those tests skip and say why.
$PY -m pip install -q --disable-pip-version-check "torch==2.13.0" "transformers>=4.40" \
  || echo "warning: torch/transformers not installed; the local HF model tests will skip"

# --- static checks -----------------------------------------------------------------------
$PY -m ruff check src tests examples bench
$PY -m mypy

# --- the suite ---------------------------------------------------------------------------
set +e
$PY -m pytest -q -p no:cacheprovider "$@"
rc=$?
set -e
if [ $rc -eq 5 ]; then echo "no tests collected"; exit 1; fi
exit $rc
