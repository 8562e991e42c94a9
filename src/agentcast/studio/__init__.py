"""agentcast studio: a web UI over recorded and running runs (extra ``agentcast[studio]``).

Importing this package does not import the web stack; ``create_app`` and ``StudioServer``
load FastAPI and uvicorn when used. ``web_input`` (pure stdlib) lets an application's
UserAgents be answered from the page.
"""

from __future__ import annotations

from agentcast._lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    "Inbox": "agentcast.studio.inbox",
    "StudioServer": "agentcast.studio.runner",
    "WebInput": "agentcast.studio.inbox",
    "create_app": "agentcast.studio.server",
    "web_input": "agentcast.studio.inbox",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports("agentcast.studio", globals(), _EXPORTS)
