"""Shared fixtures. Agents print nothing in tests unless a test asks for it."""

import os

os.environ.setdefault("AGENTCAST_QUIET", "1")
