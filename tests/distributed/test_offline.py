"""What needs no cluster: lazy imports, the missing-extra error, the server command line."""

from __future__ import annotations

import subprocess
import sys

import pytest

from agentcast.cli import main


def test_import_agentcast_imports_neither_ray_nor_a2a():
    code = ("import sys, agentcast as ac; ac.init(run_dir=None, ray_address='h:1'); "
            "import agentcast.runtime.ray_backend; "
            "print(sorted(m for m in ('ray', 'a2a') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stderr


def test_missing_ray_names_the_extra(monkeypatch):
    from agentcast.exceptions import MissingExtraError
    from agentcast.runtime import ray_backend

    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(MissingExtraError, match=r"agentcast\[ray\]"):
        ray_backend.import_ray()


def test_server_command_wraps_ray_start(capsys):
    assert main(["server", "--address", "10.0.0.1:6379", "--resources", '{"org_b": 1}',
                 "--node-ip-address", "10.0.0.2", "--dry-run"]) == 0
    cmd = capsys.readouterr().out
    assert "ray.scripts.scripts start --block" in cmd
    assert "--address=10.0.0.1:6379" in cmd and '--resources={"org_b": 1}' in cmd


def test_server_command_rejects_bad_resources():
    with pytest.raises(SystemExit, match="not JSON"):
        main(["server", "--address", "h:1", "--resources", "{org_b}", "--dry-run"])


def test_serve_command_rejects_a_bad_target():
    with pytest.raises(SystemExit, match="FILE.py:NAME"):
        main(["serve", "no-colon-here"])
