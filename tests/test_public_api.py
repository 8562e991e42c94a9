"""Pins the public face: adding or removing a public name is a deliberate act."""

import importlib

import agentcast as ac

EXPECTED = sorted([
    "AssistantAgent", "ChatAgent", "ChatResult", "CodeExecutor", "CostTermination",
    "ExternalTermination", "FunctionTermination", "GroupChat", "GroupChatManager",
    "MaxMessageTermination", "NestedChatAgent", "TerminationCondition", "TextMentionTermination",
    "TimeoutTermination", "TokenUsageTermination", "UserProxyAgent", "initiate_chat",
    "initiate_chat_async", "register_function",
    "ChatConfigError", "ConversableAgent", "a_initiate_chats", "gather_usage_summary",
    "initiate_chats",
    "Agent", "AgentCallError", "AgentcastError", "ChatModel", "ConfigError", "DialogAgent",
    "AudioDialogAgent", "TextToImageAgent",
    "DictDialogAgent", "ProgrammerAgent", "ReActAgent", "ServiceFactory", "ToolResponse", "Toolkit",
    "FanoutPipeline", "ForLoopPipeline", "IfElsePipeline", "InvalidMessageError", "ModelResponse",
    "Msg", "MsgHub", "Placeholder", "RemoteAgent", "SequentialPipeline", "SwitchPipeline", "UserAgent",
    "WhileLoopPipeline", "fanout_pipeline", "for_loop_pipeline", "gather", "get_model",
    "if_else_pipeline", "init", "msghub", "print_usage", "random", "sequential_pipeline", "serve", "switch_pipeline", "wait_all",
    "while_loop_pipeline", "wait_all_async",
    "async_func", "sync_func", "AgentServer", "AgentServerClient",
    "runtime_status", "StalledError", "DeadlockError", "WaitTimeoutError",
])


def test_all_is_pinned_and_sorted():
    assert ac.__all__ == EXPECTED


def test_every_public_name_resolves():
    for name in ac.__all__:
        assert getattr(ac, name) is not None, name


def test_unknown_name_is_an_attribute_error():
    import pytest

    with pytest.raises(AttributeError):
        ac.does_not_exist  # noqa: B018


def test_exceptions_module_draws_its_tree():
    exc = importlib.import_module("agentcast.exceptions")
    for name in ("UsageError", "RunError", "ModelFacingError"):
        assert name in (exc.__doc__ or "")


def test_python_dash_m_runs_the_command_line():
    """``python -m agentcast`` is the ``agentcast`` command (no script on PATH needed)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    src = str(Path(__file__).parents[1] / "src")
    p = subprocess.run([sys.executable, "-m", "agentcast", "--help"], capture_output=True,
                       text=True, timeout=60, env={**os.environ, "PYTHONPATH": src})
    assert p.returncode == 0, p.stderr
    for command in ("resume", "approvals", "studio"):
        assert command in p.stdout
