"""The shared rules of agentcast's HTTP servers (agentcast.netguard), without a server."""

from __future__ import annotations

import pytest

from agentcast.exceptions import ConfigError, InsecureServerError
from agentcast.netguard import (
    host_allowed,
    host_name,
    origin_allowed,
    resolve_token,
    token_matches,
)


@pytest.mark.parametrize("header, name", [
    ("127.0.0.1:8000", "127.0.0.1"), ("LOCALHOST", "localhost"), ("[::1]:80", "::1"),
    ("[::1]", "::1"), ("example.org:443", "example.org"), ("", None), (None, None),
])
def test_host_name(header, name):
    assert host_name(header) == name


@pytest.mark.parametrize("header, bound, allowed, ok", [
    ("127.0.0.1:1", "127.0.0.1", (), True),
    ("localhost:1", "127.0.0.1", (), True),
    ("[::1]:1", "127.0.0.1", (), True),
    ("evil.example:1", "127.0.0.1", (), False),
    ("127.0.0.1.nip.io", "127.0.0.1", (), False),
    ("10.0.0.5:80", "10.0.0.5", (), True),
    ("10.0.0.6:80", "10.0.0.5", (), False),
    ("192.168.1.9", "0.0.0.0", (), True),  # an IP literal cannot be rebound
    ("studio.example", "0.0.0.0", (), False),
    ("studio.example:443", "0.0.0.0", ("studio.example",), True),
    (None, "127.0.0.1", (), False),
])
def test_host_allowed(header, bound, allowed, ok):
    assert host_allowed(header, bound, allowed) is ok


@pytest.mark.parametrize("origin, host, ok", [
    (None, "127.0.0.1:5", True),
    ("http://127.0.0.1:5", "127.0.0.1:5", True),
    ("http://127.0.0.1:6", "127.0.0.1:5", False),
    ("http://evil.example", "127.0.0.1:5", False),
    ("null", "127.0.0.1:5", False),
    ("file://", "127.0.0.1:5", False),
])
def test_origin_allowed(origin, host, ok):
    assert origin_allowed(origin, host) is ok


def test_tokens(monkeypatch):
    monkeypatch.setenv("SOME_TOKEN", "from-env")
    assert resolve_token("127.0.0.1", None, env_var="SOME_TOKEN") == ("from-env", False)
    assert resolve_token("127.0.0.1", "given", env_var="SOME_TOKEN") == ("given", False)
    with pytest.raises(ConfigError):
        resolve_token("127.0.0.1", "given", "none-loopback-only")
    with pytest.raises(InsecureServerError):
        resolve_token("10.0.0.1", None, "none-loopback-only")
    assert token_matches("abc", None, "abc") and not token_matches("abc", "abd", None)
    assert token_matches(None)
