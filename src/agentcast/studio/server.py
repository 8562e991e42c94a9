"""The studio's web server (FastAPI): a JSON API over the run store, a live stream, files.

Live view: the application writes its events to ``runs/<id>/store.db`` (the observe layer's
run store, flushed every 50 ms). The ``/events`` route watches that file (and the run's
``inbox.db``) and, whenever either changed, re-reads the run through the read API and sends
the page only the message cards that are new or changed, as Server-Sent Events. So the
studio and the app share nothing but the run directory: the studio can be started before,
during or after the run, and any number of pages can watch one run.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from agentcast.exceptions import InsecureServerError
from agentcast.netguard import Guard, is_loopback
from agentcast.studio import data
from agentcast.studio.inbox import Inbox
from agentcast.studio.security import TOKEN_COOKIE, safe_file

STATIC = Path(__file__).with_name("static")
POLL = 0.2  # seconds between looks at a run's files while a page is watching
PING = 15.0


def _run_path(run_dir: Path, run_id: str) -> tuple[str, Path]:
    if not data.valid_run_id(run_id):
        raise HTTPException(404, "no such run")
    try:
        from agentcast.observe.query import resolve_run_id

        full = resolve_run_id(run_id, run_dir)
    except KeyError as exc:
        raise HTTPException(404, "no such run") from exc
    return full, run_dir / full


def _signature(run_path: Path) -> tuple[Any, ...]:
    """Cheap change detection: sizes and mtimes of the run's databases (and WAL files)."""
    sig: list[Any] = []
    for name in ("store.db", "store.db-wal", "inbox.db", "inbox.db-wal"):
        try:
            st = os.stat(run_path / name)
            sig.append((st.st_mtime_ns, st.st_size))
        except OSError:
            sig.append(None)
    return tuple(sig)


def _digest(value: Any) -> str:
    return hashlib.sha1(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def _sse(event: str, payload: Any) -> bytes:
    return f"event: {event}\ndata: {json.dumps(payload, default=str)}\n\n".encode()


def create_app(run_dir: str | Path = "runs", *, token: str | None, host: str = "127.0.0.1",
               allowed_hosts: tuple[str, ...] = ()) -> FastAPI:
    """The studio app over the runs in ``run_dir``, served on ``host``.

    ``token`` is required by name (None only for a loopback studio asked to run without
    one): every request needs it as ``Authorization: Bearer``, or ``?token=`` once, after
    which an HttpOnly SameSite=Strict cookie carries it. Host and Origin are checked always.
    """
    if token is None and not is_loopback(host):
        raise InsecureServerError(f"refusing a studio without a token on {host!r}: give "
                                  "token=..., or bind a loopback address")
    root = Path(run_dir).absolute()
    app = FastAPI(title="agentcast studio", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.run_dir = root
    app.state.token = token

    @app.middleware("http")
    async def guard(request: Request, call_next: Any) -> Response:
        if request.method == "POST" and \
                "application/json" not in request.headers.get("content-type", ""):
            return JSONResponse({"detail": "expected application/json"}, 415)
        response: Response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response

    # Outermost: nothing runs before the Host, Origin and token checks.
    app.add_middleware(Guard, bound=host, token=token, allowed_hosts=allowed_hosts,
                       cookie_name=TOKEN_COOKIE, deny=_deny)

    @app.get("/favicon.ico")
    async def favicon() -> Response:
        return Response(_FAVICON, media_type="image/svg+xml")

    @app.get("/", response_class=HTMLResponse)
    async def index() -> Response:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    @app.get("/static/{name}")
    async def static(name: str) -> Response:
        path = safe_file(STATIC, name)
        if path is None:
            raise HTTPException(404, "not found")
        return FileResponse(path, headers={"Cache-Control": "no-store"})

    @app.get("/api/runs")
    async def runs() -> Any:
        return await run_in_threadpool(data.runs, root)

    @app.get("/api/runs/{run_id}")
    async def run(run_id: str) -> Any:
        rid, _ = _run_path(root, run_id)
        return await run_in_threadpool(data.run_info, rid, root)

    @app.get("/api/runs/{run_id}/messages")
    async def messages(run_id: str, agent: str | None = None) -> Any:
        rid, _ = _run_path(root, run_id)
        return await run_in_threadpool(data.conversation, rid, root, agent or None)

    @app.get("/api/runs/{run_id}/usage")
    async def usage(run_id: str) -> Any:
        rid, _ = _run_path(root, run_id)
        return await run_in_threadpool(data.usage, rid, root)

    @app.get("/api/runs/{run_id}/inputs")
    async def inputs(run_id: str) -> Any:
        rid, _ = _run_path(root, run_id)
        return await run_in_threadpool(data.pending_inputs, rid, root)

    @app.post("/api/runs/{run_id}/inputs/{req_id}")
    async def answer(run_id: str, req_id: int, request: Request) -> Any:
        _, path = _run_path(root, run_id)
        try:
            body = await request.json()
        except ValueError as exc:
            raise HTTPException(400, "body must be JSON") from exc
        if not isinstance(body, dict) or not isinstance(body.get("text"), str):
            raise HTTPException(422, "expected {\"text\": string, \"url\"?: string}")
        url = body.get("url") or None
        if url is not None and not isinstance(url, str):
            raise HTTPException(422, "url must be a string")
        ok = await run_in_threadpool(Inbox(path).answer, req_id, body["text"], url)
        if not ok:
            raise HTTPException(409, "this request is not waiting for an answer")
        return {"ok": True}

    @app.get("/api/runs/{run_id}/approvals")
    async def approvals(run_id: str) -> Any:
        rid, _ = _run_path(root, run_id)
        return await run_in_threadpool(data.approvals, rid, root)

    @app.post("/api/runs/{run_id}/approvals/{req_id}")
    async def decide(run_id: str, req_id: str, request: Request) -> Any:
        rid, _ = _run_path(root, run_id)
        try:
            body = await request.json()
        except ValueError as exc:
            raise HTTPException(400, "body must be JSON") from exc
        if not isinstance(body, dict) or not isinstance(body.get("approve"), bool):
            raise HTTPException(422, "expected {\"approve\": true|false, \"reason\"?: string}")
        reason = body.get("reason") or ""
        if not isinstance(reason, str):
            raise HTTPException(422, "reason must be a string")
        try:
            row = await run_in_threadpool(data.decide_approval, rid, root, req_id,
                                          body["approve"], reason)
        except KeyError as exc:
            raise HTTPException(404, "no such approval request") from exc
        except ValueError as exc:
            raise HTTPException(409, str(exc)) from exc
        return row

    @app.get("/api/runs/{run_id}/files/{rel:path}")
    async def files(run_id: str, rel: str) -> Response:
        _, path = _run_path(root, run_id)
        file = safe_file(path, rel)
        if file is None:
            raise HTTPException(404, "not found")
        return FileResponse(file, media_type=data.mime_of(file.name),
                            headers={"Content-Security-Policy": "sandbox",
                                     "Cache-Control": "private, max-age=3600"})

    @app.get("/api/runs/{run_id}/events")
    async def events(run_id: str, request: Request, agent: str | None = None) -> Response:
        rid, path = _run_path(root, run_id)
        return StreamingResponse(_stream(request, root, rid, path, agent or None),
                                 media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store",
                                          "X-Accel-Buffering": "no"})

    return app


async def _stream(request: Request, root: Path, rid: str, path: Path,
                  agent: str | None) -> AsyncIterator[bytes]:
    """Send what changed in the run, each time its files change, until the page leaves."""
    sent: dict[str, str] = {}
    last_sig: Any = None
    last: dict[str, str] = {}
    quiet = 0.0
    ticks = 0
    yield b"retry: 1000\n\n"
    while not await request.is_disconnected():
        sig = _signature(path)
        ticks += 1
        if sig != last_sig or ticks % 10 == 0:  # also notice a crash (no file changes then)
            last_sig = sig
            info, cards, pending = await run_in_threadpool(data.snapshot, rid, root, agent)
            changed = [c for c in cards if sent.get(c["msg_id"]) != _digest(c)]
            for c in changed:
                sent[c["msg_id"]] = _digest(c)
            if changed:
                yield _sse("messages", changed)
                quiet = 0.0
            for key, value in (("run", info), ("inputs", pending)):
                d = _digest(value)
                if last.get(key) != d:
                    last[key] = d
                    yield _sse(key, value)
                    quiet = 0.0
        await asyncio.sleep(POLL)
        quiet += POLL
        if quiet >= PING:
            quiet = 0.0
            yield b": ping\n\n"


def _deny(scope: dict[str, Any], status: int, detail: str) -> tuple[bytes, bytes]:
    """A refused page request gets a short page saying what to do; the API gets JSON."""
    if status == 401 and not str(scope.get("path", "")).startswith("/api/"):
        return _LOGIN.encode(), b"text/html; charset=utf-8"
    return json.dumps({"detail": detail}).encode(), b"application/json"


_FAVICON = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><path d="M8 1l7 7-7 7-7-7z"'
            ' fill="#5eb1ff"/></svg>')
_LOGIN = """<!doctype html><meta charset="utf-8"><title>agentcast studio</title>
<body style="font:15px system-ui;background:#111418;color:#e6e6e6;padding:3em">
<h2>agentcast studio</h2><p>This studio needs an access token. Open the link that
<code>agentcast studio</code> printed, or add <code>?token=…</code> to the address.</p>"""


__all__ = ["create_app"]
