"""Only files inside a run's directory can be read through the studio; beyond localhost a
token is required."""

from __future__ import annotations

import os

import httpx
import pytest

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


def test_loopback_and_tokens():
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4")
    assert resolve_token("127.0.0.1", None) is None
    assert resolve_token("0.0.0.0", None)  # made up: never open beyond localhost
    assert resolve_token("0.0.0.0", "given") == "given"
    assert host_ok("127.0.0.1:5000") and host_ok("localhost") and host_ok("[::1]:80")
    assert not host_ok("evil.example:5000") and not host_ok(None)


def test_file_route_over_http(studio, demo_runs, demo_rid):
    rid = demo_rid
    (demo_runs / "outside.txt").write_text("not yours")
    image = next((demo_runs / rid / "files").iterdir())
    base = studio.url.rstrip("/")
    with httpx.Client(base_url=base) as client:
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


def test_foreign_host_header_is_refused_without_a_token(studio):
    r = httpx.get(studio.url + "api/runs", headers={"Host": "attacker.example"})
    assert r.status_code == 403


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
        assert server.url.endswith("?token=s3cret")


def test_bound_beyond_localhost_a_token_is_made_up(demo_runs):
    from agentcast.studio import StudioServer

    server = StudioServer(demo_runs, host="0.0.0.0", port=0)
    assert server.token and f"?token={server.token}" in server.url
