"""Idempotency keys: one per logical model request, the same on every attempt of it.

A server that honours a key answers a repeated one with its first answer and bills it once,
so a request that reached it but whose answer was lost (a dropped connection, a 5xx from a
proxy after the upstream answered, this process killed while waiting) can be sent again
without being paid twice. None of the big vendors' chat APIs documents such a key (see
docs/durable.md), so a key is sent only to a model whose config names the header
(``idempotency_header: "Idempotency-Key"``: gateways and OpenAI-compatible servers that
honour one). Models without it never reach this module: one attribute check per call.

Where a key comes from:

- **in a durable run**: from the journal's position of the model call (run id, agent, call
  number, sub-call number; ``durable/replay.py`` binds it with :func:`bind_call_key`) and the
  request's number within that call (a re-ask or a fallback is a new request). So the
  resumed call after a crash sends the key its killed predecessor sent; another run never
  does;
- **outside one**: only with ``idempotency_keys: "always"`` in the config, a random key per
  logical request (then agentcast's own retries share it, a crash does not).

The call layer (``models/call.py``) takes one key per request and holds it, with the header
name, for all the request's attempts (:func:`sending_idempotency_key`); the HTTP transport
adds it to each POST it sends meanwhile (``models/_http.py``). Imports nothing from
agentcast.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import uuid
from collections.abc import Iterator

KEY_MODES = ("durable", "always")


class _CallKey:
    """The key of one durable model call, and how many requests it has made."""

    __slots__ = ("base", "requests")

    def __init__(self, base: str) -> None:
        self.base = base
        self.requests = 0


_call: contextvars.ContextVar[_CallKey | None] = contextvars.ContextVar(
    "agentcast_idempotent_call", default=None)
_sent: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar(
    "agentcast_idempotency_header", default=None)


def idempotency_call_key(run_id: str, agent: str, seq: int, k: int) -> str:
    """The stable key of model call ``k`` of call ``agent#seq`` in run ``run_id``: plain
    ASCII whatever the agent's name, and revealing none of it."""
    h = hashlib.sha256(f"{run_id}\x00{agent}\x00{seq}\x00{k}".encode()).hexdigest()
    return f"agentcast-{h[:32]}"


@contextlib.contextmanager
def bind_call_key(base: str) -> Iterator[None]:
    """Requests made inside take their keys from ``base`` (a durable model call's)."""
    token = _call.set(_CallKey(base))
    try:
        yield
    finally:
        _call.reset(token)


def next_idempotency_key(always: bool) -> str | None:
    """The key of the next logical request: the bound call's next one, a random one when
    ``always``, else None (no key)."""
    call = _call.get()
    if call is not None:
        call.requests += 1
        return f"{call.base}-{call.requests}"
    return f"agentcast-{uuid.uuid4().hex}" if always else None


@contextlib.contextmanager
def sending_idempotency_key(header: str, key: str) -> Iterator[None]:
    """Every attempt made inside (agentcast's retries included) carries ``header: key``."""
    token = _sent.set((header, key))
    try:
        yield
    finally:
        _sent.reset(token)


def idempotency_header_now() -> tuple[str, str] | None:
    """The (header, key) the request being sent carries, if any."""
    return _sent.get()


__all__ = ["KEY_MODES", "bind_call_key", "idempotency_call_key", "idempotency_header_now",
           "next_idempotency_key", "sending_idempotency_key"]
