"""Test doubles users can use: scripted models, a local OpenAI-compatible server and a
throw-away PostgreSQL server.

Names load lazily so that importing one double does not start or import the others.
"""

from __future__ import annotations

from agentcast._lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    "ScriptedModel": "agentcast.testing.scripted",
    "FunctionModel": "agentcast.testing.scripted",
    "OpenAITestServer": "agentcast.testing.openai_server",
    "PostgresServer": "agentcast.testing.postgres",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports("agentcast.testing", globals(), _EXPORTS)
