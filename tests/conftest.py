"""Shared fixtures. Agents print nothing in tests unless a test asks for it.

Ray's token authentication is set up here, before any test module imports Ray (Ray reads
``RAY_AUTH_MODE`` once, at import): every Ray the session starts - the distributed tests'
two-node cluster, the local Ray of the AgentScope compatibility tests - uses this session's
own token, so a token file left by another cluster on the machine never interferes.
"""

import atexit
import os
import secrets
import shutil
import tempfile

os.environ.setdefault("AGENTCAST_QUIET", "1")

_TOKEN_DIR = tempfile.mkdtemp(prefix="agentcast-ray-token-")
atexit.register(shutil.rmtree, _TOKEN_DIR, True)
RAY_TOKEN_PATH = os.path.join(_TOKEN_DIR, "auth_token")
with open(os.open(RAY_TOKEN_PATH, os.O_WRONLY | os.O_CREAT, 0o600), "w") as _f:
    _f.write(secrets.token_hex(32))
os.environ["RAY_AUTH_MODE"] = "token"
os.environ["RAY_AUTH_TOKEN_PATH"] = RAY_TOKEN_PATH

from tests.ray_cluster import ray_cluster  # noqa: E402,F401 - the session's Ray cluster
