"""A2A servers admit no stranger: a token by default (even on loopback), Host and Origin
checks, and a malformed agentcast wire form is refused naming the field."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

import pytest

pytest.importorskip("a2a.server")
httpx = pytest.importorskip("httpx")

import agentcast as ac  # noqa: E402
from agentcast import Msg  # noqa: E402
from agentcast.exceptions import ConfigError, InsecureServerError  # noqa: E402

from .app import Shout  # noqa: E402

pytestmark = pytest.mark.timeout(120)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server():
    srv = ac.serve(Shout("guarded"), port=_free_port(), block=False)
    yield srv
    srv.stop()


def _send(url: str, text: str = "hi", **headers: str) -> httpx.Response:
    body = {"jsonrpc": "2.0", "id": 1, "method": "SendMessage", "params": {"message": {
        "messageId": "m1", "role": "ROLE_USER", "parts": [{"text": text}]}}}
    return httpx.post(url, json=body, headers={"A2A-Version": "1.0", **headers}, timeout=30)


def test_serve_requires_a_generated_token_by_default_and_prints_it_once(capfd):
    port = _free_port()
    srv = ac.serve(Shout("loud"), port=port, block=False)
    try:
        err = capfd.readouterr().err
        assert srv.token and len(srv.token) >= 24
        assert f"http://127.0.0.1:{port}/?token={srv.token}" in err
        assert err.count(srv.token) == 1
        assert _send(srv.url).status_code == 401  # any local process, no token
        assert _send(srv.url, Authorization="Bearer wrong").status_code == 401
        ok = _send(srv.url, Authorization=f"Bearer {srv.token}")
        assert ok.status_code == 200 and "HI" in ok.text
        # the printed address works as it is
        assert ac.RemoteAgent(srv.token_url)(Msg("u", "x", role="user")).content == "X"
    finally:
        srv.stop()
    other = ac.serve(Shout("loud"), port=_free_port(), block=False)
    try:
        assert other.token != srv.token  # generated per start
    finally:
        other.stop()


def test_a_supplied_token_is_used_and_not_printed(capfd):
    srv = ac.serve(Shout("quiet"), port=_free_port(), block=False, token="given-token-123")
    try:
        assert "given-token-123" not in capfd.readouterr().err
        assert _send(srv.url, Authorization="Bearer given-token-123").status_code == 200
        assert _send(srv.url).status_code == 401
    finally:
        srv.stop()


def test_no_token_only_by_name_and_only_on_loopback():
    srv = ac.serve(Shout("open"), port=_free_port(), block=False, auth="none-loopback-only")
    try:
        assert srv.token is None
        assert _send(srv.url).status_code == 200
        assert ac.RemoteAgent(srv.url)(Msg("u", "y", role="user")).content == "Y"
    finally:
        srv.stop()
    with pytest.raises(InsecureServerError, match="only on a loopback"):
        ac.serve(Shout("open"), host="0.0.0.0", port=_free_port(), block=False,
                 auth="none-loopback-only")
    with pytest.raises(ConfigError, match="auth"):
        ac.serve(Shout("open"), port=_free_port(), block=False, auth="none")


def test_foreign_host_is_refused_dns_rebinding(server):
    auth = f"Bearer {server.token}"
    bad = _send(server.url, Authorization=auth, Host="evil.example:8000")
    assert bad.status_code == 421
    card = httpx.get(server.url + ".well-known/agent-card.json",
                     headers={"Host": "attacker.example"})
    assert card.status_code == 421
    for host in (f"localhost:{server.url.rsplit(':', 1)[1].strip('/')}", "127.0.0.1"):
        assert _send(server.url, Authorization=auth, Host=host).status_code == 200


def test_foreign_origin_is_refused(server):
    auth = f"Bearer {server.token}"
    assert _send(server.url, Authorization=auth, Origin="http://evil.example").status_code == 403
    assert _send(server.url, Authorization=auth, Origin="null").status_code == 403
    same = server.url.rstrip("/")
    assert _send(server.url, Authorization=auth, Origin=same).status_code == 200


def _wire_send(url: str, token: str, wire: object) -> dict:
    body = {"jsonrpc": "2.0", "id": 7, "method": "SendMessage", "params": {"message": {
        "messageId": "m7", "role": "ROLE_USER", "parts": [{"text": "fallback text"}],
        "metadata": {"agentcast": wire}}}}
    resp = httpx.post(url, json=body, timeout=30,
                      headers={"Authorization": f"Bearer {token}", "A2A-Version": "1.0"})
    return resp.json()


@pytest.mark.parametrize("wire, field", [
    (json.dumps({"msg": {"name": 5, "content": "x"}, "history": []}),
     "metadata.agentcast.msg.name"),
    (json.dumps({"msg": {"name": "u", "content": "x", "role": "boss"}}),
     "metadata.agentcast.msg.role"),
    (json.dumps({"msg": {"name": "u", "content": "x"}, "history": "nope"}),
     "metadata.agentcast.history"),
    (json.dumps({"msg": {"name": "u", "content": "x"}, "history": [{"content": 1}]}),
     "metadata.agentcast.history[0].name"),
    ("{not json", "metadata.agentcast"),
    ({"msg": {"name": "u"}}, "metadata.agentcast"),
])
def test_malformed_wire_form_is_a_json_rpc_error_naming_the_field(server, wire, field):
    out = _wire_send(server.url, server.token, wire)
    assert "error" in out, out  # not a reply built from the fallback text
    assert out["error"]["code"] == -32602
    assert field in out["error"]["message"], out["error"]
    assert "FALLBACK" not in json.dumps(out)


def test_a_good_wire_form_still_crosses_whole(server):
    msg = Msg("alice", {"k": [1, 2]}, role="user", metadata={"x": 1})
    wire = json.dumps({"msg": msg.to_dict(), "history": []})
    out = _wire_send(server.url, server.token, wire)
    assert "error" not in out, out


def test_serve_command_prints_a_token_url_and_refuses_open_network_binds(tmp_path):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "agentcast.cli", "serve",
                             "tests/a2a/app.py:agent", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        assert f"http://127.0.0.1:{port}/?token=" in line, line
        url = line.split()[-1]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if _send(url.split("?")[0]).status_code == 401:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        assert ac.RemoteAgent(url)(Msg("u", "cli", role="user")).content == "CLI"
    finally:
        proc.terminate()
        proc.wait(10)
    refused = subprocess.run([sys.executable, "-m", "agentcast.cli", "serve",
                              "tests/a2a/app.py:agent", "--host", "0.0.0.0", "--no-token",
                              "--port", str(_free_port())],
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "only on a loopback" in refused.stderr
