"""The studio's JSON API and its channel for human input, without a browser."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

import agentcast as ac
from agentcast.observe import end_run, start_run
from agentcast.studio import Inbox, web_input
from agentcast.studio.data import RunData, run_styles
from agentcast.testing.scripted import ScriptedModel


def _auth(studio) -> dict[str, str]:
    return {"Authorization": f"Bearer {studio.token}"}


def test_runs_messages_and_usage(studio, demo_runs, demo_rid):
    base = studio.url.rstrip("/")
    httpx = _Authed(studio)
    runs = httpx.get(base + "/api/runs").json()
    assert len(runs) == 1 and runs[0]["status"] == "finished"
    rid = runs[0]["run_id"]
    info = httpx.get(f"{base}/api/runs/{rid}").json()
    assert [a["name"] for a in info["agents"]] == ["Host", "Painter", "Critic"]
    assert len({a["color"] for a in info["agents"]}) == 3  # told apart, always
    cards = httpx.get(f"{base}/api/runs/{rid}/messages").json()
    by = {c["seq_id"]: c for c in cards}
    assert by["Host#1"]["model_calls"][0]["model"] == "demo-chat"
    assert by["Host#1"]["prompt_tokens"] > 0 and by["Host#1"]["cost"] > 0
    image = by["Painter#1"]["media"][0]
    assert image["kind"] == "image" and image["src"].startswith(f"/api/runs/{rid}/files/files/")
    assert httpx.get(base + image["src"]).status_code == 200
    assert by["Painter#2"]["receivers"] == []  # only the Host's aside reached it...
    assert "Painter" in by["Host#3"]["receivers"]  # ...as the Painter's input
    critic = httpx.get(f"{base}/api/runs/{rid}/messages", params={"agent": "Critic"}).json()
    assert {c["seq_id"] for c in critic} == {None, "Host#1", "Painter#1", "Critic#1", "Host#2"}
    usage = httpx.get(f"{base}/api/runs/{rid}/usage").json()
    assert set(usage["by_agent"]) == {"Host", "Critic", "Painter"}
    assert set(usage["by_model"]) == {"demo-chat", "demo-vision", "paint"}
    assert len(usage["timeline"]) == usage["total"]["calls"] == 6


class _Authed:
    """httpx.get with the studio's token."""

    def __init__(self, studio) -> None:
        self.headers = _auth(studio)

    def get(self, url: str, **kw):
        return httpx.get(url, headers=self.headers, **kw)


def test_event_stream_sends_the_conversation(studio, demo_runs, demo_rid):
    rid = demo_rid
    events: dict[str, str] = {}
    with httpx.stream("GET", f"{studio.url}api/runs/{rid}/events", timeout=10,
                      headers=_auth(studio)) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        kind = None
        for line in r.iter_lines():
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: ") and kind:
                events[kind] = line[6:]
            if {"run", "messages", "inputs"} <= set(events):
                break
    assert "Painter#1" in events["messages"] and '"finished"' in events["run"]


def test_media_outside_the_run_directory_are_not_linked(tmp_path):
    from agentcast.studio.data import media

    run_path = tmp_path / "runs" / "r1"
    (run_path / "files").mkdir(parents=True)
    inside = run_path / "files" / "a.png"
    got = media([str(inside), "/etc/passwd.png", "../x.png", "https://e.org/v.mp4"],
                run_path, "r1")
    assert got[0]["src"] == "/api/runs/r1/files/files/a.png"
    assert got[1]["src"] is None and got[2]["src"] is None
    assert got[3]["src"] == "https://e.org/v.mp4" and got[3]["kind"] == "video"


def test_run_styles_keep_terminal_styles_but_never_repeat():
    from agentcast.agents.base import agent_style

    names = ["system", "Host", "Critic", "User", "Carol"]  # all deep_pink3 in the terminal
    styles = run_styles(names)
    assert len({s["color"] for s in styles.values()}) == len(names)
    assert len({s["icon"] for s in styles.values()}) == len(names)
    assert styles["system"]["icon"] == agent_style("system")[1]


def test_inbox_round_trip(tmp_path):
    inbox = Inbox(tmp_path)
    assert inbox.requests() == []
    rid = inbox.request("User", "User: ", [{"name": "Bot", "content": "hi"}])
    assert [r["id"] for r in inbox.requests()] == [rid]
    assert inbox.answer(rid, "hello") is True
    assert inbox.answer(rid, "again") is False  # answered once only
    assert inbox.wait(rid, timeout=1)["answer"] == "hello"
    assert inbox.requests() == []


def test_a_user_agent_waits_for_the_page_without_stalling_others(tmp_path):
    """The UserAgent blocks only its own thread; the other agent keeps replying."""
    run = start_run(run_dir=tmp_path / "runs", console=False)
    web_input(run, poll_interval=0.02)
    user = ac.UserAgent("User")
    busy = ac.DialogAgent("Busy", model=ScriptedModel(default="working"))
    asked = user(ac.Msg("Bot", "Your name?"))
    t0 = time.monotonic()
    for _ in range(5):
        assert busy(ac.Msg("x", "go", role="user")).content == "working"
    assert time.monotonic() - t0 < 5
    inbox = Inbox(run.dir)
    deadline = time.monotonic() + 5
    while not inbox.requests() and time.monotonic() < deadline:
        time.sleep(0.02)
    (req,) = inbox.requests()
    assert req["agent"] == "User" and req["context"][0]["content"] == "Your name?"
    threading.Timer(0.1, inbox.answer, (req["id"], "Ada")).start()
    assert asked.content == "Ada" and asked.role == "user"
    end_run()


@pytest.mark.parametrize("headers,body,status", [
    ({"Content-Type": "text/plain"}, '{"text": "x"}', 415),
    ({"Content-Type": "application/json", "Origin": "http://evil.example"}, '{"text": "x"}', 403),
    ({"Content-Type": "application/json"}, '{"nope": 1}', 422),
    ({"Content-Type": "application/json"}, '{"text": "x"}', 409),
])
def test_answer_route_refuses_bad_requests(studio, demo_runs, demo_rid, headers, body, status):
    rid = demo_rid
    r = httpx.post(f"{studio.url}api/runs/{rid}/inputs/999", headers={**headers, **_auth(studio)},
                   content=body)
    assert r.status_code == status


def test_studio_command_is_registered():
    from agentcast.cli import COMMANDS

    assert COMMANDS["studio"][0] == "agentcast.studio.cli"


def test_import_agentcast_does_not_import_the_web_stack():
    import subprocess
    import sys

    code = ("import sys, agentcast, agentcast.studio, agentcast.multimodal; "
            "import agentcast.studio.inbox; "
            "print(any(m in sys.modules for m in ('fastapi', 'uvicorn', 'starlette')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


def test_agentcast_studio_command_serves_a_run_directory(demo_runs, demo_rid):
    import os
    import socket
    import subprocess
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "agentcast.cli", "studio", "--dir",
                             str(demo_runs), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "AGENTCAST_STUDIO_TOKEN": ""})
    try:
        line = proc.stdout.readline()
        assert f"http://127.0.0.1:{port}/?token=" in line  # made up, printed once to open
        token = line.rsplit("?token=", 1)[1].strip()
        deadline = time.monotonic() + 20
        while True:
            try:
                resp = httpx.get(f"http://127.0.0.1:{port}/api/runs")
                assert resp.status_code == 401  # even on loopback, no token: refused
                runs = httpx.get(f"http://127.0.0.1:{port}/api/runs",
                                 headers={"Authorization": f"Bearer {token}"}).json()
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.1)
        assert [r["run_id"] for r in runs] == [demo_rid]
        assert "agentcast studio" in httpx.get(f"http://127.0.0.1:{port}/?token={token}").text
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_model_and_tool_calls_are_attributed_to_the_reply_they_served(tmp_path):
    run = start_run(run_dir=tmp_path / "runs", console=False)
    toolkit = ac.Toolkit()

    def double(n: int) -> int:
        """Twice n.

        Args:
            n: a number.
        """
        return 2 * n

    toolkit.add(double)
    model = ScriptedModel([{"tool_calls": [{"name": "double", "arguments": {"n": 21}}]},
                           "It is 42.", "Second answer."], model_name="scripted-x")
    agent = ac.ReActAgent("Analyst", "Use tools.", model=model, toolkit=toolkit)
    assert agent(ac.Msg("User", "Double 21?", role="user")).content == "It is 42."
    assert agent(ac.Msg("User", "Again?", role="user")).content == "Second answer."
    end_run()
    first, second = [c for c in RunData(run.id, tmp_path / "runs").conversation()
                     if c["sender"] == "Analyst"]
    assert [c["model"] for c in first["model_calls"]] == ["scripted-x", "scripted-x"]
    assert [(t["name"], t["arguments"]) for t in first["tool_calls"]] == [("double", {"n": 21})]
    assert len(second["model_calls"]) == 1 and second["tool_calls"] == []
    assert first["prompt_tokens"] > 0
