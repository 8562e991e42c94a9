"""Test doubles users can use: scripted models, a local OpenAI-compatible server and a
throw-away PostgreSQL server.

Names load lazily so that importing one double does not start or import the others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentcast._lazy import lazy_exports

if TYPE_CHECKING:
    from agentcast.testing.embedding import HashEmbedder as HashEmbedder
    from agentcast.testing.openai_server import Fault as Fault
    from agentcast.testing.openai_server import OpenAITestServer as OpenAITestServer
    from agentcast.testing.openai_server import RecordedRequest as RecordedRequest
    from agentcast.testing.postgres import PostgresServer as PostgresServer
    from agentcast.testing.scripted import FunctionModel as FunctionModel
    from agentcast.testing.scripted import ScriptedModel as ScriptedModel

# public name -> module that defines it (one line each; keep the three lists in step)
_EXPORTS: dict[str, str] = {
    "Fault": "agentcast.testing.openai_server",
    "FunctionModel": "agentcast.testing.scripted",
    "HashEmbedder": "agentcast.testing.embedding",
    "OpenAITestServer": "agentcast.testing.openai_server",
    "PostgresServer": "agentcast.testing.postgres",
    "RecordedRequest": "agentcast.testing.openai_server",
    "ScriptedModel": "agentcast.testing.scripted",
}

__all__ = [
    "Fault",
    "FunctionModel",
    "HashEmbedder",
    "OpenAITestServer",
    "PostgresServer",
    "RecordedRequest",
    "ScriptedModel",
]

__getattr__, __dir__ = lazy_exports("agentcast.testing", globals(), _EXPORTS)
