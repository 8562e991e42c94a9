"""A multi-agent workflow used by the crash tests: a hub discussion, a pipeline, a fanout, a
loop with branches, ``ac.random`` draws, a ReAct-style tool use and a group chat.

Environment: RUN_DIR, RUN_ID (resume when set), COUNT (a file: one line per real model or
tool call), OUT (final state as JSON), KILL_MODEL=n (SIGKILL inside the n-th real model
call), KILL_RECORD=n (SIGKILL right after the n-th call record is stored, before delivery).
MODEL_URL: the models are OpenAI-compatible clients of the test server at that URL instead
(it answers, counts the requests and kills this process inside the n-th; the API key
carries this process's pid for that), sending idempotency keys, which the server honours.
"""

from __future__ import annotations

import json
import os
import signal
import sys

from kill_points import kill_after_record  # this script's folder

import agentcast as ac
from agentcast.testing import FunctionModel

COUNT = os.environ["COUNT"]
KILL_MODEL = int(os.environ.get("KILL_MODEL", "0"))
KILL_RECORD = int(os.environ.get("KILL_RECORD", "0"))


def count(kind: str) -> int:
    with open(COUNT, "a+") as f:
        f.write(kind + "\n")
    with open(COUNT) as f:
        return sum(1 for line in f if line.strip() == kind)


kill_after_record(KILL_RECORD)


def reply_fn(name: str):
    def fn(msgs):
        n = count("model")
        if KILL_MODEL and n == KILL_MODEL:
            os.kill(os.getpid(), signal.SIGKILL)
        last = msgs[-1].content if msgs else ""
        return f"{name} answers ({len(msgs)}): {str(last)[:30]}"
    return fn


MODEL_URL = os.environ.get("MODEL_URL")


def model_for(name: str, fn=None):
    """A model answering as ``name``: in-process, or over HTTP from the test server."""
    if MODEL_URL:
        from agentcast.models.openai_chat import OpenAIChatModel

        return OpenAIChatModel(model_name=name, base_url=MODEL_URL,
                               api_key=f"pid-{os.getpid()}",
                               idempotency_header="Idempotency-Key")
    return FunctionModel(fn or reply_fn(name))


def audit(entry: str) -> str:
    """Write an entry to the audit log (a tool with a side effect, marked idempotent)."""
    count("tool")
    return f"logged {entry}"


def main() -> None:
    ac.init(run_dir=os.environ["RUN_DIR"], durable=True, resume=os.environ.get("RUN_ID"),
            logger_level="WARNING", seed=7)
    names = ["Ann", "Bob", "Cyd"]
    agents = [ac.DialogAgent(n, sys_prompt=f"You are {n}.", model=model_for(n)) for n in names]
    ann, bob, cyd = agents
    with ac.msghub(agents, announcement=ac.Msg("host", "Discuss dinner.", role="user")) as hub:
        for _ in range(2):
            for a in agents:
                a()
        hub.broadcast(ac.Msg("host", "Vote now.", role="user"))
    x = ac.sequential_pipeline([ann, bob], ac.Msg("user", "start", role="user"))
    outs = ac.fanout_pipeline([bob, cyd], x)
    picks = []
    for i in range(3):
        who = ac.random.choice(agents)
        picks.append(who.name)
        m = who(ac.Msg("user", f"round {i}", role="user"))
        if len(m.content) % 2:
            ann(m)
        else:
            bob(m)
    tools = ac.Toolkit()
    tools.add_tool(audit, idempotent=True)
    react = ac.ReActAgent("Rex", model=model_for("react", react_fn()), toolkit=tools,
                          max_iters=4)
    final = react(ac.Msg("user", "log two things", role="user")).content
    members = [ac.AssistantAgent(n, llm_config={"model": model_for(n)})
               for n in ("Gus", "Hal", "Ivy")]
    gc = ac.GroupChat(members, messages=[], max_round=6, speaker_selection_method="round_robin")
    host = ac.UserProxyAgent("host", human_input_mode="NEVER", code_execution_config=False)
    chat = host.initiate_chat(ac.GroupChatManager(gc), message="Plan the menu.")
    state = {a.name: [m.content for m in a.memory.get()] for a in [*agents, react, *members]}
    state["group_chat"] = [m["content"] for m in chat.chat_history]
    state["outs"] = [o.content for o in outs]
    state["picks"] = picks
    state["final"] = final
    with open(os.environ["OUT"], "w") as f:
        json.dump(state, f, indent=1)
    print(ac.init.__module__ and "done", file=sys.stderr)


def react_fn():
    from agentcast.models.base import ModelResponse, ToolCall

    def fn(msgs):
        n = count("model")
        if KILL_MODEL and n == KILL_MODEL:
            os.kill(os.getpid(), signal.SIGKILL)
        done = sum(1 for m in msgs if "logged" in str(m.content))
        if done < 2:
            return ModelResponse(tool_calls=[ToolCall(f"c{done}", "audit", {"entry": f"e{done}"})])
        return "all logged"
    return fn


if __name__ == "__main__":
    main()
