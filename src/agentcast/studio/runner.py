"""Running the studio: in the foreground (``agentcast studio``) or in a background thread.

The background form lets an application (or a test) watch its own run in the browser
without a second process.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from agentcast.netguard import display_host, token_url
from agentcast.studio.security import resolve_token


def _uvicorn() -> Any:
    try:
        import fastapi  # noqa: F401
        import uvicorn
    except ImportError as exc:
        from agentcast.exceptions import MissingExtraError

        raise MissingExtraError("studio", exc.name or "fastapi", "the studio") from exc
    return uvicorn


class StudioServer:
    """The studio on ``host:port`` in a daemon thread. ``port=0`` picks a free port.

    It needs a token: ``token``, ``$AGENTCAST_STUDIO_TOKEN``, or one made up per start
    (``generated``); ``token_url`` is the ready-to-open address carrying it. No token only
    with ``auth="none-loopback-only"`` on a loopback host. ``allowed_hosts`` adds Host names
    it answers to (e.g. the name a reverse proxy forwards).
    """

    def __init__(self, run_dir: str | Path = "runs", host: str = "127.0.0.1", port: int = 0,
                 token: str | None = None, *, auth: str | None = None,
                 allowed_hosts: tuple[str, ...] | list[str] = ()) -> None:
        self.run_dir = Path(run_dir)
        self.host = host
        self.port = port
        self.allowed_hosts = tuple(allowed_hosts)
        self.token, self.generated = resolve_token(host, token, auth)
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def _config(self) -> Any:
        uvicorn = _uvicorn()
        from agentcast.studio.server import create_app

        app = create_app(self.run_dir, token=self.token, host=self.host,
                         allowed_hosts=self.allowed_hosts)
        return uvicorn.Config(app, host=self.host, port=self.port, log_level="warning",
                              timeout_graceful_shutdown=1, lifespan="off")

    @property
    def url(self) -> str:
        """The studio's address (without the token)."""
        return f"http://{display_host(self.host)}:{self.port}/"

    @property
    def token_url(self) -> str:
        """The ready-to-open address: ``url`` with ``?token=``."""
        return token_url(self.url, self.token)

    def start(self, timeout: float = 15.0) -> StudioServer:
        uvicorn = _uvicorn()
        self._server = uvicorn.Server(self._config())
        self._thread = threading.Thread(target=self._server.run, name="agentcast-studio",
                                        daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the studio did not start on {self.host}:{self.port}")
            time.sleep(0.02)
        if self.port == 0:
            self.port = self._server.servers[0].sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            self._server.force_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def serve_forever(self) -> None:
        """Run in the foreground until interrupted."""
        uvicorn = _uvicorn()
        server = uvicorn.Server(self._config())
        server.run()

    def __enter__(self) -> StudioServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


__all__ = ["StudioServer"]
