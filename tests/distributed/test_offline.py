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


def test_server_command_wraps_ray_start(capsys, monkeypatch):
    monkeypatch.setenv("RAY_AUTH_TOKEN", "the-head-token")
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


def _no_token(monkeypatch, tmp_path):
    for var in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))


def test_server_head_defaults_to_loopback_with_token_auth(capsys, monkeypatch, tmp_path):
    _no_token(monkeypatch, tmp_path)
    assert main(["server", "--head", "--dry-run"]) == 0
    cmd = capsys.readouterr().out
    assert "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0" in cmd and "RAY_AUTH_MODE=token" in cmd
    assert "--node-ip-address=127.0.0.1" in cmd


def test_server_network_node_needs_a_token_and_says_where_to_get_it(capsys, monkeypatch,
                                                                   tmp_path):
    _no_token(monkeypatch, tmp_path)
    assert main(["server", "--address", "10.0.0.1:6379", "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "ray get-auth-token" in err and "RAY_AUTH_TOKEN" in err
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    monkeypatch.setenv("RAY_AUTH_TOKEN", "x")
    assert main(["server", "--address", "10.0.0.1:6379", "--dry-run"]) == 2
    assert "RAY_AUTH_MODE=disabled" in capsys.readouterr().err


def test_server_loopback_head_may_turn_token_auth_off_by_name(capsys, monkeypatch, tmp_path):
    _no_token(monkeypatch, tmp_path)
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    assert main(["server", "--head", "--dry-run"]) == 0
    assert "--node-ip-address=127.0.0.1" in capsys.readouterr().out


def test_server_cannot_join_a_one_machine_head():
    with pytest.raises(SystemExit, match="one-machine cluster"):
        main(["server", "--address", "127.0.0.1:6379", "--dry-run"])
