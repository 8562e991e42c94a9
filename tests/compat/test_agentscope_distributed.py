"""AgentScope 0.x's distributed features on real local Ray: custom methods of a to_dist()
agent called remotely (``@async_func``), and a standalone agent server that other processes
create agents on, list and delete (``RpcAgentServerLauncher`` / ``RpcAgentClient``)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
import uuid

import pytest

import agentcast as ac
from agentcast.exceptions import AgentCallError, DistributedError

ray = pytest.importorskip("ray")

from tests.compat.dist_agents import AgentWithCustomFunc, Echo  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def ray_address():
    """A local Ray (or the one this session already joined); its address for subprocesses."""
    from agentcast.runtime.ray_backend import ensure_ray

    started = not ray.is_initialized()
    ensure_ray()
    yield ray.get_runtime_context().gcs_address
    if started:
        ac.wait_all(timeout=60)
        ray.shutdown()


def _env(address: str) -> dict[str, str]:
    src = os.path.join(ROOT, "src")
    # the same Ray authentication settings as this process (the local Ray keeps Ray's
    # token authentication; the other processes find the token where this one does)
    return dict(os.environ, RAY_ADDRESS=address, RAY_USAGE_STATS_ENABLED="0",
                PYTHONPATH=os.pathsep.join([src, ROOT, os.environ.get("PYTHONPATH", "")]))


def test_custom_methods_run_remotely(ray_address):
    """AgentScope 0.x: every public method of a distributed agent is callable on it; plain
    ones return the value, @async_func ones return a placeholder at once whose result()
    is the value; a method's error is an AgentCallError."""
    agent = AgentWithCustomFunc("custom").to_dist()
    msg = agent(ac.Msg("user", "hi", role="user"))
    assert msg.content == "Hello"
    assert agent.pid() != os.getpid()  # it really runs in the host process
    echoed = agent.custom_func_with_msg(ac.Msg("user", "back", role="user"))
    assert isinstance(echoed, ac.Msg) and echoed.content == "back"
    assert agent.custom_func_with_basic(1) == 1
    r1 = agent.custom_async_func(2.0)  # sleeps, then counts
    r2 = agent.custom_async_func(2.0)
    assert isinstance(r1, ac.Placeholder) and not r1.done()  # returned before the method ran
    assert agent.custom_sync_func() == 0  # plain methods do not wait for async ones
    assert sorted([r1.result(), r2.result()]) == [1, 2]
    assert agent.custom_sync_func() == 2  # the state the methods changed is the agent's
    assert agent.coroutine_func(21).result() == 42
    with pytest.raises(AgentCallError, match="custom method failed"):
        agent.raise_error()
    later = agent.raise_later()
    with pytest.raises(AgentCallError, match="async custom method failed"):
        later.result()
    assert agent._exposed() == "reachable"  # @sync_func exposes an underscored method
    with pytest.raises(AttributeError):
        agent._private()
    with pytest.raises(AttributeError, match="no_such_method"):
        agent.no_such_method()
    with pytest.raises(AttributeError):  # replies go through the mailbox, never as methods
        agent.call_method("reply", None)
    # replies still work and see the same agent afterwards
    assert agent(ac.Msg("user", "again", role="user")).content == "Hello"
    assert agent.memory.size() == 2


def test_custom_methods_run_after_earlier_calls(ray_address):
    """agentcast: a method runs once the calls sent before it are handled."""
    agent = Echo("echo").to_dist()
    agent(ac.Msg("u", "one"))
    agent(ac.Msg("u", "two"))
    # state_dict-like reads through a method see both calls
    assert agent.call_method("state_dict")["memory"][-1]["content"] == "echo heard two"


CLIENT = textwrap.dedent("""
    import sys
    import agentcast as ac
    from agentcast import AgentServerClient
    client = AgentServerClient(sys.argv[1])
    agents = {a["name"]: a for a in client.get_agent_list()}
    print("listed", sorted(agents))
    carol = client.agent(agents["Carol"]["agent_id"])
    print("carol says", carol(ac.Msg("proc2", "hello from another process")).content)
    dave = client.create_agent({"class_name": "tests.compat.dist_agents:Echo",
                                "kwargs": {"name": "Dave"}})
    print("dave", dave.agent_id)
    print("deleted bob", client.delete_agent(agents["Bob"]["agent_id"]))
    ac.wait_all(timeout=60)
""")


def _start_server(name: str, address: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "agentcast.cli", "agent-server", "--name", name,
         "--address", address], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=_env(address), cwd=ROOT, start_new_session=True)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        line = proc.stdout.readline() if proc.stdout else ""
        if "ready" in line:
            return proc
        if proc.poll() is not None:
            raise RuntimeError(f"agent-server exited: {proc.stderr.read() if proc.stderr else ''}")
    proc.kill()
    raise RuntimeError("timed out waiting for the agent server to be ready")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def test_agent_server_shared_by_processes(ray_address):
    """AgentScope 0.x: a launched server starts empty; agents placed on it (to_dist to its
    host, or created from a config) are listed with their ids and memory; another process
    lists them, calls one, creates its own, deletes one; delete_all_agent empties it; a
    stopped server is reported as gone."""
    name = f"srv-{uuid.uuid4().hex[:8]}"
    server = _start_server(name, ray_address)
    try:
        client = ac.AgentServerClient(name)
        assert client.is_alive() and client.get_agent_list() == []
        bob = client.create_agent(Echo("Bob"))
        assert bob(ac.Msg("user", "first msg", role="user")).content == "Bob heard first msg"
        listed = client.get_agent_list()
        assert listed[0]["methods"]["state_dict"] is False
        assert [(a["agent_id"], a["name"], a["type"]) for a in listed] == [
            (bob.agent_id, "Bob", "Echo")]
        memory = client.get_agent_memory(bob.agent_id)
        assert [m["content"] for m in memory] == ["first msg", "Bob heard first msg"]
        assert memory[1]["metadata"]["mem_size"] == 1
        carol = client.create_agent({"class_name": "tests.compat.dist_agents:Echo",
                                     "kwargs": {"name": "Carol"}})
        eve = Echo("Eve").to_dist(host=name)  # AgentScope's to_dist(host=, port=)
        assert eve(ac.Msg("u", "x")).content == "Eve heard x"
        info = client.get_server_info()
        assert info["pid"] != os.getpid() and info["id"] == name and info["agents"] == 3
        assert {"cpu", "mem"} <= set(info)

        out = subprocess.run([sys.executable, "-c", CLIENT, name], capture_output=True,
                             text=True, env=_env(ray_address), cwd=ROOT, timeout=300)
        assert out.returncode == 0, out.stderr[-3000:]
        assert "listed ['Bob', 'Carol', 'Eve']" in out.stdout
        assert "carol says Carol heard hello from another process" in out.stdout
        assert "deleted bob True" in out.stdout
        dave_id = out.stdout.split("dave ", 1)[1].split()[0]

        names = sorted(a["name"] for a in client.get_agent_list())
        assert names == ["Carol", "Dave", "Eve"]
        with pytest.raises(AgentCallError, match="not hosted") as gone:
            bob(ac.Msg("user", "are you there?")).result()
        assert isinstance(gone.value.original, DistributedError)
        dave = client.agent(dave_id)
        assert dave(ac.Msg("me", "hi")).content == "Dave heard hi"
        custom = client.create_agent({"class_name": "tests.compat.dist_agents:"
                                                    "AgentWithCustomFunc", "args": ["Cus"]})
        handle = client.agent(custom.agent_id)  # a handle knows the methods by the listing
        assert handle.custom_func_with_basic(5) == 5
        assert handle.coroutine_func(2).result() == 4
        assert carol(ac.Msg("me", "again")).metadata["mem_size"] == 3
        assert client.delete_agent(bob.agent_id) is False  # gone already
        assert client.delete_all_agent() is True
        assert client.get_agent_list() == []
    finally:
        _stop(server)
    with pytest.raises(DistributedError, match=f"no agent server named '{name}'"):
        ac.AgentServerClient(name)


def test_server_side_model_configs(ray_address):
    """AgentScope 0.x: an agent created on the server uses the server's model configs,
    which a client can set (set_model_configs)."""
    name = f"srv-{uuid.uuid4().hex[:8]}"
    with ac.AgentServer(name) as server:
        client = server.client()
        assert client.set_model_configs([{"config_name": "srv-model", "model_type": "scripted",
                                          "replies": ["from the server's config"]}]) == [
            "srv-model"]
        bot = client.create_agent({"class_name": "DialogAgent",
                                   "kwargs": {"name": "Bot", "model": "srv-model"}})
        assert bot(ac.Msg("user", "hi", role="user")).content == "from the server's config"
        with pytest.raises(ac.ConfigError, match="not an agent class"):
            client.create_agent({"class_name": "Msg"})
    with pytest.raises(DistributedError):
        ac.AgentServerClient(name)


@pytest.mark.parametrize(("argv", "message"), [
    (["--resources", "{not json"], "--resources is not JSON"),
    (["--model-configs", "/nonexistent/models.json"], "does not exist"),
])
def test_agent_server_cli_refuses_bad_arguments_before_starting(argv, message, tmp_path):
    """agentcast: `agentcast agent-server` checks its arguments before it joins Ray."""
    out = subprocess.run([sys.executable, "-m", "agentcast.cli", "agent-server", *argv],
                         capture_output=True, text=True, timeout=120, cwd=ROOT,
                         env=_env("127.0.0.1:1"))
    assert out.returncode != 0 and message in out.stderr
