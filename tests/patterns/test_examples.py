"""Every application in examples/ runs offline (no network, no stdin) and does its job."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(script, *args, timeout=120):
    env = {k: v for k, v in os.environ.items() if k != "AGENTCAST_QUIET"}  # show the chat
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args], capture_output=True, text=True,
        stdin=subprocess.DEVNULL, timeout=timeout, cwd=EXAMPLES.parent,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


@pytest.mark.parametrize("seed", ["0", "1", "5"])
def test_werewolf_game_reaches_an_end(seed):
    out = run("werewolf.py", "--seed", seed)
    assert "🌙 Night 1" in out and "☀️  Day 1" in out
    winner = re.search(r"🏆 Winner: (\w+)!", out)
    assert winner and winner.group(1) in ("villagers", "werewolves")
    assert "invalid vote" not in out  # the rule-based players only make legal moves


def test_werewolf_default_command_has_the_full_cycle():
    out = run("werewolf.py", "--show-thoughts")
    for part in ("Werewolves", "votes to kill", "antidote", "checks", "votes for",
                 "is voted out", "💭"):
        assert part in out, part


def test_werewolf_with_a_configured_model(tmp_path):
    config = tmp_path / "models.json"
    config.write_text(json.dumps([{"config_name": "rules", "model_type": "function",
                                   "function": "werewolf_rules:player"}]))
    out = run("werewolf.py", "--model-config", str(config), "--model", "rules")
    assert "🏆 Winner:" in out


def test_werewolf_rules_answer_legal_json():
    sys.path.insert(0, str(EXAMPLES))
    try:
        from werewolf_rules import RulePlayer
    finally:
        sys.path.remove(str(EXAMPLES))
    from agentcast import Msg

    system = Msg("system", "You are Player2, playing... Your role: werewolf. Your fellow "
                 "werewolf: Player5.", role="system")
    task = Msg("Moderator", "Discuss.\nTASK: wolf_discussion\nCANDIDATES: Player1, Player3, "
               "Player4, Player6", role="user")
    brain = RulePlayer(1)
    for _ in range(10):
        move = json.loads(brain([system, task]))
        assert set(move) == {"thought", "speech", "finish_discussion"}
        target = re.search(r"Player\d", move["speech"]).group(0)
        assert target in ("Player1", "Player3", "Player4", "Player6")


def test_conversation_pipeline_and_while_versions():
    for script in ("conversation_pipeline.py", "conversation_while.py"):
        out = run(script)
        assert "message hub broadcasts" in out and "conversation ended" in out
        assert out.count("Assistant:") == 3


def test_group_chat_solves_the_task():
    out = run("group_chat_coding.py")
    assert "fib: 4181" in out  # the first (buggy) run
    assert "fib: 6765 primes: 639" in out  # the fixed run
    assert "APPROVED" in out and "stopped: critic said 'TERMINATE'" in out


def test_critique_revises_a_semantic_error():
    out = run("critique.py")
    assert out.count("wrong - 17 * 24 is 408, not 398") == 2  # self and pairwise
    assert out.count("final answer after 2 review(s)") == 2
    assert "421 bottles" in out


def test_two_agent_chat_runs_code():
    out = run("two_agent_chat.py")
    assert "exitcode: 0" in out and "summary: The sentence has 9 words." in out


def _run_werewolf_with(tmp_path, source: str) -> subprocess.CompletedProcess:
    (tmp_path / "badplayers.py").write_text(source)
    config = tmp_path / "models.json"
    config.write_text(json.dumps([{"config_name": "bad", "model_type": "function",
                                   "function": "badplayers:player"}]))
    env = {k: v for k, v in os.environ.items() if k != "AGENTCAST_QUIET"}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), env.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, str(EXAMPLES / "werewolf.py"), "--model-config", str(config),
         "--model", "bad"], capture_output=True, text=True, stdin=subprocess.DEVNULL,
        timeout=120, cwd=EXAMPLES.parent, env=env)


def test_werewolf_survives_replies_that_stay_unusable(tmp_path):
    """Every reply is unusable even after the re-asks: each player falls back to a default
    action (logged), and the game still ends."""
    proc = _run_werewolf_with(tmp_path, "def player(messages):\n    return 'I refuse.'\n")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "🏆 Winner:" in proc.stdout
    assert "using the default action" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_werewolf_error_prints_once_without_a_traceback(tmp_path):
    proc = _run_werewolf_with(tmp_path, (
        "from agentcast.exceptions import UnresolvableModelError\n"
        "def player(messages):\n"
        "    raise UnresolvableModelError('bad key: set OPENAI_API_KEY')\n"))
    assert proc.returncode == 1
    assert proc.stderr.count("bad key: set OPENAI_API_KEY") == 1, proc.stderr
    assert "Traceback" not in proc.stderr
