"""agentcast studio: a web UI over recorded and running runs (extra ``agentcast[studio]``).

Importing this package does not import the web stack; ``create_app`` and ``StudioServer``
load FastAPI and uvicorn when used. ``web_input`` (pure stdlib) lets an application's
UserAgents be answered from the page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentcast._lazy import lazy_exports

if TYPE_CHECKING:
    from agentcast.studio.data import RunData as RunData
    from agentcast.studio.data import approvals as approvals
    from agentcast.studio.data import conversation as conversation
    from agentcast.studio.data import decide_approval as decide_approval
    from agentcast.studio.data import kind_of as kind_of
    from agentcast.studio.data import media as media
    from agentcast.studio.data import mime_of as mime_of
    from agentcast.studio.data import pending_inputs as pending_inputs
    from agentcast.studio.data import run_info as run_info
    from agentcast.studio.data import run_relative as run_relative
    from agentcast.studio.data import run_styles as run_styles
    from agentcast.studio.data import runs as runs
    from agentcast.studio.data import snapshot as snapshot
    from agentcast.studio.data import thinking as thinking
    from agentcast.studio.data import usage as usage
    from agentcast.studio.data import valid_run_id as valid_run_id
    from agentcast.studio.inbox import Inbox as Inbox
    from agentcast.studio.inbox import WebInput as WebInput
    from agentcast.studio.inbox import web_input as web_input
    from agentcast.studio.runner import StudioServer as StudioServer
    from agentcast.studio.security import host_ok as host_ok
    from agentcast.studio.security import is_loopback as is_loopback
    from agentcast.studio.security import resolve_token as resolve_token
    from agentcast.studio.security import safe_file as safe_file
    from agentcast.studio.security import token_ok as token_ok
    from agentcast.studio.server import create_app as create_app

# public name -> module that defines it (one line each; keep the three lists in step)
_EXPORTS: dict[str, str] = {
    "Inbox": "agentcast.studio.inbox",
    "RunData": "agentcast.studio.data",
    "StudioServer": "agentcast.studio.runner",
    "WebInput": "agentcast.studio.inbox",
    "conversation": "agentcast.studio.data",
    "create_app": "agentcast.studio.server",
    "host_ok": "agentcast.studio.security",
    "is_loopback": "agentcast.studio.security",
    "kind_of": "agentcast.studio.data",
    "media": "agentcast.studio.data",
    "mime_of": "agentcast.studio.data",
    "pending_inputs": "agentcast.studio.data",
    "resolve_token": "agentcast.studio.security",
    "run_info": "agentcast.studio.data",
    "run_relative": "agentcast.studio.data",
    "run_styles": "agentcast.studio.data",
    "runs": "agentcast.studio.data",
    "safe_file": "agentcast.studio.security",
    "snapshot": "agentcast.studio.data",
    "token_ok": "agentcast.studio.security",
    "usage": "agentcast.studio.data",
    "valid_run_id": "agentcast.studio.data",
    "web_input": "agentcast.studio.inbox",
    "approvals": "agentcast.studio.data",
    "decide_approval": "agentcast.studio.data",
    "thinking": "agentcast.studio.data",
}

__all__ = [
    "Inbox",
    "RunData",
    "StudioServer",
    "WebInput",
    "approvals",
    "conversation",
    "create_app",
    "decide_approval",
    "host_ok",
    "is_loopback",
    "kind_of",
    "media",
    "mime_of",
    "pending_inputs",
    "resolve_token",
    "run_info",
    "run_relative",
    "run_styles",
    "runs",
    "safe_file",
    "snapshot",
    "thinking",
    "token_ok",
    "usage",
    "valid_run_id",
    "web_input",
]

__getattr__, __dir__ = lazy_exports("agentcast.studio", globals(), _EXPORTS)
