"""The distributed tests need Ray; their cluster is the session fixture ``ray_cluster``
(tests/ray_cluster.py, registered in tests/conftest.py)."""

import pytest

pytest.importorskip("ray")
