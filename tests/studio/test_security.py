"""Only files inside a run's directory can be read through the studio; beyond localhost a
token is required."""

from __future__ import annotations

import os

import httpx
import pytest

from agentcast.exceptions import ConfigError, InsecureServerError
from agentcast.studio.security import host_ok, is_loopback, resolve_token, safe_file


@pytest.fixture
def run_path(tmp_path):
    run = tmp_path / "runs" / "r1"
    (run / "files").mkdir(parents=True)
    (run / "files" / "ok.png").write_bytes(b"\x89PNG ok")
    (run / "store.db").write_bytes(b"db")
    (tmp_path / "secret.txt").write_text("top secret")
    os.symlink(tmp_path / "secret.txt", run / "files" / "link.png")
    os.symlink(tmp_path, run / "files" / "up")
    os.symlink(run / "files" / "ok.png", run / "files" / "inner.png")
    return run


@pytest.mark.parametrize("rel", [
    "../secret.txt", "files/../../secret.txt", "/etc/passwd", "/etc/hosts",
    "files/link.png", "files/up/secret.txt", "files\\..\\..\\secret.txt", "files/./ok.png",
    "files//ok.png", "files/ok.png\x00.txt", "store.db", "files", "", "C:/Windows/win.ini",
])
def test_safe_file_refuses_escapes(run_path, rel):
    assert safe_file(run_path, rel) is None


def test_safe_file_serves_files_inside_and_symlinks_that_stay_inside(run_path):
    assert safe_file(run_path, "files/ok.png") == (run_path / "files" / "ok.png").resolve()
    assert safe_file(run_path, "files/inner.png") == (run_path / "files" / "ok.png").resolve()


def test_loopback_and_tokens(monkeypatch):
    monkeypatch.delenv("AGENTCAST_STUDIO_TOKEN", raising=False)
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4")
    token, made = resolve_token("127.0.0.1", None)  # even on loopback, as Jupyter does
    assert token and len(token) >= 24 and made
    assert resolve_token("127.0.0.1", None)[0] != token  # per start
    assert resolve_token("0.0.0.0", None)[0]
    assert resolve_token("0.0.0.0", "given") == ("given", False)
    assert resolve_token("127.0.0.1", None, "none-loopback-only") == (None, False)
    with pytest.raises(InsecureServerError):
        resolve_token("0.0.0.0", None, "none-loopback-only")
    with pytest.raises(ConfigError):
        resolve_token("127.0.0.1", None, "off")
    assert host_ok("127.0.0.1:5000") and host_ok("localhost") and host_ok("[::1]:80")
    assert not host_ok("evil.example:5000") and not host_ok(None)
    assert host_ok("10.0.0.5:80", "10.0.0.5") and host_ok("10.0.0.5", "0.0.0.0")
    assert not host_ok("rebind.example", "0.0.0.0")


def test_file_route_over_http(studio, demo_runs, demo_rid):
    rid = demo_rid
    (demo_runs / "outside.txt").write_text("not yours")
    image = next((demo_runs / rid / "files").iterdir())
    base = studio.url.rstrip("/")
    with httpx.Client(base_url=base,
                      headers={"Authorization": f"Bearer {studio.token}"}) as client:
        ok = client.get(f"/api/runs/{rid}/files/files/{image.name}")
        assert ok.status_code == 200 and ok.content == image.read_bytes()
        assert ok.headers["content-type"] == "image/png"
        for bad in (f"/api/runs/{rid}/files/..%2Foutside.txt",
                    f"/api/runs/{rid}/files/%2E%2E/outside.txt",
                    f"/api/runs/{rid}/files/%2Fetc%2Fpasswd",
                    f"/api/runs/{rid}/files//etc/passwd",
                    f"/api/runs/{rid}/files/store.db",
                    f"/api/runs/..%2F{rid}/files/files/{image.name}",
                    "/api/runs/..%2F..%2Fetc/files/passwd",
                    "/api/runs/%2A/files/store.db"):
            r = client.get(bad)
            assert r.status_code == 404, (bad, r.status_code)
            assert b"not yours" not in r.content and b"root:" not in r.content


def test_a_studio_needs_its_token_even_on_loopback(studio):
    base = studio.url.rstrip("/")
    assert studio.host == "127.0.0.1" and studio.token and studio.generated
    assert studio.token_url == f"{studio.url}?token={studio.token}"
    assert httpx.get(base + "/api/runs").status_code == 401
    assert httpx.get(base + "/").status_code == 401
    assert "needs an access token" in httpx.get(base + "/").text
    ok = httpx.get(base + "/api/runs", headers={"Authorization": f"Bearer {studio.token}"})
    assert ok.status_code == 200


def test_the_token_url_sets_an_httponly_strict_cookie(studio):
    with httpx.Client(base_url=studio.url.rstrip("/")) as client:
        first = client.get(f"/?token={studio.token}")
        assert first.status_code == 200
        cookie = first.headers["set-cookie"]
        assert cookie.startswith(f"agentcast_studio_token-{studio.port}={studio.token}")
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert client.get("/api/runs").status_code == 200  # the cookie carries it


@pytest.mark.parametrize("host", ["attacker.example", "attacker.example:5000",
                                  "127.0.0.1.nip.io"])
def test_foreign_host_header_is_refused_even_with_the_token(studio, host):
    r = httpx.get(studio.url + "api/runs",
                  headers={"Host": host, "Authorization": f"Bearer {studio.token}"})
    assert r.status_code == 421


def test_foreign_origin_is_refused_even_with_the_token(studio):
    auth = {"Authorization": f"Bearer {studio.token}"}
    assert httpx.get(studio.url + "api/runs",
                     headers={**auth, "Origin": "http://evil.example"}).status_code == 403
    port = studio.url.rstrip("/").rsplit(":", 1)[1]
    same = httpx.get(studio.url + "api/runs",
                     headers={**auth, "Origin": f"http://127.0.0.1:{port}"})
    assert same.status_code == 200


def test_no_token_only_by_name_and_only_on_loopback(demo_runs):
    from agentcast.studio import StudioServer, create_app

    with StudioServer(demo_runs, auth="none-loopback-only") as server:
        assert server.token is None and server.token_url == server.url
        assert httpx.get(server.url + "api/runs").status_code == 200
        assert httpx.get(server.url + "api/runs",
                         headers={"Host": "evil.example"}).status_code == 421
    with pytest.raises(InsecureServerError, match="loopback"):
        StudioServer(demo_runs, host="0.0.0.0", auth="none-loopback-only")
    with pytest.raises(InsecureServerError):
        create_app(demo_runs, token=None, host="0.0.0.0")


def test_studio_command_refuses_no_token_beyond_loopback(demo_runs):
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "agentcast.cli", "studio", "--dir",
                          str(demo_runs), "--host", "0.0.0.0", "--no-token"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "loopback" in out.stderr


def test_token_is_required_when_set(demo_runs):
    from agentcast.studio import StudioServer

    with StudioServer(demo_runs, token="s3cret") as server:
        base = f"http://127.0.0.1:{server.port}"
        assert httpx.get(base + "/api/runs").status_code == 401
        assert httpx.get(base + "/api/runs?token=wrong").status_code == 401
        assert httpx.get(base + "/").status_code == 401
        assert httpx.get(base + "/api/runs",
                         headers={"Authorization": "Bearer s3cret"}).status_code == 200
        with httpx.Client(base_url=base) as client:  # ?token= once, then the cookie
            assert client.get("/?token=s3cret").status_code == 200
            assert client.get("/api/runs").status_code == 200
        assert server.token_url.endswith("?token=s3cret") and not server.generated


def test_bound_beyond_localhost_a_token_is_made_up(demo_runs):
    from agentcast.studio import StudioServer

    server = StudioServer(demo_runs, host="0.0.0.0", port=0)
    assert server.token and f"?token={server.token}" in server.token_url
