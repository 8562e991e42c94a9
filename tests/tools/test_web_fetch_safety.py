"""The fetch tools against hostile servers and names: DNS rebinding, redirects into the local
network, endless and trickled bodies. A local server stands in for them; it is reached only
where a test allows loopback explicitly (``allow_private=True`` or ``allowed_hosts``)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

pytest.importorskip("httpx")

from agentcast.exceptions import ToolExecutionError  # noqa: E402
from agentcast.tools.services import _http  # noqa: E402
from agentcast.tools.services.web import download_file, fetch_webpage  # noqa: E402

SECRET = "LOCAL ADMIN PAGE"


class Handler(BaseHTTPRequestHandler):
    seen: list[tuple[str, str]] = []
    sent: dict[str, int] = {}

    def log_message(self, *a):
        pass

    def do_GET(self):
        Handler.seen.append((self.path, self.headers.get("Host", "")))
        if self.path == "/page.html":
            body = f"<html><title>t</title><p>{SECRET}</p></html>".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", self.path.split("to=", 1)[1])
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/endless":  # no length, never ends: stops when the client leaves
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            chunk = b"x" * 65536
            try:
                for _ in range(100_000):  # 6.5 GB at most
                    self.wfile.write(chunk)
                    Handler.sent["endless"] = Handler.sent.get("endless", 0) + len(chunk)
            except OSError:
                pass
        elif self.path == "/trickle":  # one byte every half second
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            try:
                for _ in range(120):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.5)
            except OSError:
                pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


async def test_dns_rebinding_name_never_reaches_loopback(server, monkeypatch):
    """The name answers a public address to the first lookup and 127.0.0.1 after: the fetch
    must connect to the address it checked, never to the local server."""
    real = socket.getaddrinfo
    answers = iter(["1.1.1.1"])

    def rebinding(host, port, *args, **kwargs):
        if host in ("rebind.test", b"rebind.test"):  # anyio passes the name encoded
            ip = next(answers, "127.0.0.1")
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port or 80))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    Handler.seen.clear()
    try:
        r = await asyncio.wait_for(fetch_webpage(f"http://rebind.test:{server}/page.html"), 5)
        text = str(r.content)
    except (ToolExecutionError, TimeoutError) as exc:  # the public address did not answer
        text = str(exc)
    assert SECRET not in text
    assert Handler.seen == []


async def test_every_resolved_address_is_checked():
    async def two(host, port):
        return ["1.1.1.1", "127.0.0.1"]

    with pytest.raises(ToolExecutionError, match=r"127\.0\.0\.1.*not allowed"):
        await fetch_webpage("http://two.test/", resolver=two)
    for address in ("127.0.0.1", "10.0.0.1", "169.254.169.254", "::1", "::ffff:127.0.0.1",
                    "fe80::1", "224.0.0.1", "240.0.0.1", "0.0.0.0", "100.64.0.1"):
        assert _http.address_refusal(address) is not None, address
    assert _http.address_refusal("1.1.1.1") is None


async def test_redirect_into_loopback_is_refused(server):
    async def public(host, port):  # a name the developer allowed; its redirect is checked
        return ["127.0.0.1"]

    Handler.seen.clear()
    ok = await fetch_webpage(f"http://public.test:{server}/page.html",
                             allowed_hosts=["public.test"], resolver=public)
    assert ok.ok and SECRET in ok.content["text"]
    assert Handler.seen == [("/page.html", f"public.test:{server}")]  # Host carries the name
    for target in (f"http://127.0.0.1:{server}/page.html", f"http://localhost:{server}/page.html",
                   f"http://[::ffff:127.0.0.1]:{server}/page.html"):
        Handler.seen.clear()
        with pytest.raises(ToolExecutionError, match="not allowed"):
            await fetch_webpage(f"http://public.test:{server}/redirect?to={target}",
                                allowed_hosts=["public.test"], resolver=public)
        assert [p for p, _ in Handler.seen] == [f"/redirect?to={target}"]


async def test_endless_body_is_cut_at_the_byte_cap(server, tmp_path):
    Handler.sent.clear()
    r = await asyncio.wait_for(
        fetch_webpage(f"http://127.0.0.1:{server}/endless", allow_private=True), 15)
    assert r.ok and r.content["text"].endswith("[truncated]")
    assert len(r.content["text"]) <= 20_000 + 20
    time.sleep(0.5)
    assert Handler.sent["endless"] < 32 * 1024 * 1024  # the rest was never downloaded
    with pytest.raises(ToolExecutionError, match="larger than"):
        await asyncio.wait_for(
            download_file(f"http://127.0.0.1:{server}/endless", directory=str(tmp_path),
                          allow_private=True, max_bytes=1024 * 1024), 15)
    assert list(tmp_path.iterdir()) == []


async def test_trickled_body_hits_one_deadline(server, tmp_path):
    started = time.monotonic()
    with pytest.raises(ToolExecutionError, match="longer than 2 s"):
        await asyncio.wait_for(fetch_webpage(f"http://127.0.0.1:{server}/trickle",
                                             allow_private=True, timeout=2), 15)
    assert time.monotonic() - started < 6
    with pytest.raises(ToolExecutionError, match="longer than 2 s"):
        await asyncio.wait_for(download_file(f"http://127.0.0.1:{server}/trickle",
                                             directory=str(tmp_path), allow_private=True,
                                             timeout=2), 15)
    assert list(tmp_path.iterdir()) == []
