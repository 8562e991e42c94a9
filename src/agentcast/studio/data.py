"""What the studio page shows, built from the observability layer's read API.

The run store records messages, model calls and tool calls separately. The page wants one
card per message with the tokens, cost and calls that produced it, so each model or tool
call is attributed to the reply of the same agent whose time span contains it. Media URLs
are turned into studio URLs here (local files only when they lie in the run directory).
"""

from __future__ import annotations

import json
import mimetypes
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from agentcast.observe import query
from agentcast.observe.run import valid_run_id
from agentcast.studio.inbox import Inbox

_EXTRA_TYPES = {".webp": "image/webp", ".m4a": "audio/mp4", ".flac": "audio/flac",
                ".opus": "audio/opus", ".wav": "audio/wav", ".mp3": "audio/mpeg",
                ".ogg": "audio/ogg", ".weba": "audio/webm", ".webm": "video/webm",
                ".mp4": "video/mp4", ".svg": "image/svg+xml"}
SLACK = 0.05  # seconds of clock slack when matching calls to replies


@lru_cache(maxsize=256)
def style(name: str) -> dict[str, str]:
    """The agent's colour (as CSS hex) and icon: the same ones the terminal uses."""
    from agentcast.agents.base import agent_style

    colour, icon = agent_style(name)
    return {"color": _hex(colour), "icon": icon}


def _hex(colour: str) -> str:
    from rich.color import Color

    try:
        return str(Color.parse(colour).get_truecolor().hex)
    except Exception:  # an unknown colour name falls back to grey
        return "#9aa0a6"


def run_styles(names: list[str]) -> dict[str, dict[str, str]]:
    """Styles for the agents of one run, in order of appearance, never two alike.

    Each agent keeps its terminal style (``agent_style``) unless an earlier agent of the
    run already has that colour or icon; then it takes the next free one of the same
    palette, so that a run's agents are always told apart.
    """
    from agentcast.agents.base import _ICONS, _PALETTE, agent_style

    used_c: set[str] = set()
    used_i: set[str] = set()
    out: dict[str, dict[str, str]] = {}
    for name in names:
        if name in out:
            continue
        colour, icon = agent_style(name)
        colour = _free(_PALETTE, colour, used_c)
        icon = _free(_ICONS, icon, used_i)
        used_c.add(colour)
        used_i.add(icon)
        out[name] = {"color": _hex(colour), "icon": icon}
    return out


def _free(options: tuple[str, ...], wanted: str, used: set[str]) -> str:
    if wanted not in used or len(used) >= len(options):
        return wanted
    start = options.index(wanted)
    for k in range(1, len(options)):
        candidate = options[(start + k) % len(options)]
        if candidate not in used:
            return candidate
    return wanted


def mime_of(url: str) -> str:
    if url.startswith("data:"):
        return url[5:].split(";", 1)[0].split(",", 1)[0] or "application/octet-stream"
    path = url.split("?", 1)[0].split("#", 1)[0]
    ext = os.path.splitext(path)[1].lower()
    return _EXTRA_TYPES.get(ext) or mimetypes.guess_type(path)[0] or "application/octet-stream"


def kind_of(mime: str) -> str:
    major = mime.split("/", 1)[0]
    return major if major in ("image", "audio", "video") else "file"


def run_relative(url: str, run_path: Path, run_id: str) -> str | None:
    """The path of a local attachment relative to the run directory, or None if outside.

    This only decides what link to show; the file route checks again on every request.
    """
    raw = url[7:] if url.startswith("file://") else url
    p = Path(raw)
    root = os.path.realpath(run_path)
    if p.is_absolute():
        real = os.path.realpath(p)
        if real == root or real.startswith(root + os.sep):
            return os.path.relpath(real, root)
        # the run directory may have moved since the message was recorded
        parts = p.parts
        if run_id in parts:
            i = len(parts) - 1 - parts[::-1].index(run_id)
            rest = parts[i + 1:]
            return str(Path(*rest)) if rest else None
        return None
    if raw.startswith(("/", "\\")) or ".." in p.parts:
        return None
    return str(p)


def media(urls: Any, run_path: Path, run_id: str) -> list[dict[str, Any]]:
    """Attachments as the page renders them: kind, MIME type, a studio src (or None)."""
    if not urls:
        return []
    out = []
    for url in [urls] if isinstance(urls, str) else list(urls):
        url = str(url)
        mime = mime_of(url)
        src: str | None
        if url.startswith(("http://", "https://", "data:")):
            src = url
        else:
            rel = run_relative(url, run_path, run_id)
            src = None if rel is None else \
                f"/api/runs/{run_id}/files/" + "/".join(Path(rel).parts)
        is_data = url.startswith("data:")
        name = mime if is_data else os.path.basename(url.split("?", 1)[0]) or url
        out.append({"url": url[:64] + "…" if is_data else url, "name": name, "mime": mime,
                    "kind": kind_of(mime), "src": src})
    return out


def _text(content: Any) -> str:
    if content is None:
        return ""
    return content if isinstance(content, str) else json.dumps(content, ensure_ascii=False,
                                                               indent=2)


class RunData:
    """One read of a run through the query API, with everything derived from it.

    Who saw a message: the receivers the store recorded (hub deliveries, ``observe``) and
    every agent whose reply took it as input (``agent(x)`` delivers x without observing).
    """

    def __init__(self, run_id: str, run_dir: Path) -> None:
        self.run_id = run_id
        self.run_dir = Path(run_dir)
        self.messages = query.messages(run_id, run_dir=run_dir)
        self.model_calls = query.model_calls(run_id, run_dir=run_dir)
        self.tool_calls = query.tool_calls(run_id, run_dir=run_dir)
        inputs_of: dict[str, set[str]] = {}
        for m in self.messages:
            for mid in m.get("input_ids") or []:
                inputs_of.setdefault(str(mid), set()).add(m["sender"])
        names: dict[str, None] = {}
        system: dict[str, None] = {}
        for m in self.messages:
            seen = list(m.get("receivers") or [])
            seen += sorted(inputs_of.get(m["msg_id"], set()) - set(seen) - {m["sender"]})
            m["receivers"] = seen
            (system if m["role"] == "system" else names).setdefault(m["sender"], None)
            for r in seen:
                names.setdefault(r, None)
        for c in self.model_calls:
            if c.get("agent"):
                names.setdefault(c["agent"], None)
        self.agents = list(names)
        self.styles = run_styles(self.agents + [n for n in system if n not in names])

    def style(self, name: str) -> dict[str, str]:
        return self.styles.get(name) or style(name)

    def agent_list(self) -> list[dict[str, Any]]:
        """The agents one can take the view of (senders of system messages excluded)."""
        return [{"name": n, **self.style(n)} for n in self.agents]

    def conversation(self, agent: str | None = None) -> list[dict[str, Any]]:
        """The messages (those ``agent`` saw or said, if given), with their calls and cost."""
        run_path = self.run_dir / self.run_id
        spans: dict[str, list[tuple[float, float, dict[str, Any]]]] = {}
        out = []
        for m in self.messages:
            if agent is not None and m["sender"] != agent and agent not in m["receivers"]:
                continue
            card = {
                "row": m["id"], "msg_id": m["msg_id"], "seq_id": m["seq_id"],
                "sender": m["sender"], "role": m["role"], "content": _text(m["content"]),
                "json": not isinstance(m["content"], str) and m["content"] is not None,
                "media": media(m["url"], run_path, self.run_id), "receivers": m["receivers"],
                "time": m["timestamp"] or m["recorded"], "started": m["started"],
                "ended": m["ended"], "style": self.style(m["sender"]), "model_calls": [],
                "tool_calls": [], "prompt_tokens": 0, "completion_tokens": 0, "cost": None,
                "estimated": False,
            }
            if m["started"] is not None and m["ended"] is not None:
                spans.setdefault(m["sender"], []).append((m["started"], m["ended"], card))
            out.append(card)
        for c in self.model_calls:
            owner = _owner(spans, c.get("agent"), c["ts"])
            if owner is None:
                continue
            owner["model_calls"].append({k: c.get(k) for k in (
                "model", "config_name", "prompt_tokens", "completion_tokens", "cost", "latency",
                "retries", "error", "n_messages", "response", "ts", "estimated")})
            owner["estimated"] = owner["estimated"] or bool(c.get("estimated"))
            owner["prompt_tokens"] += c.get("prompt_tokens") or 0
            owner["completion_tokens"] += c.get("completion_tokens") or 0
            if c.get("cost") is not None:
                owner["cost"] = (owner["cost"] or 0.0) + float(c["cost"])
        for t in self.tool_calls:
            owner = _owner(spans, t.get("agent"), t["ts"])
            if owner is not None:
                owner["tool_calls"].append({k: t.get(k) for k in (
                    "name", "arguments", "status", "duration", "error", "ts")})
        return out

    def pending_inputs(self, status: str | None = None) -> list[dict[str, Any]]:
        return pending_inputs(self.run_id, self.run_dir, status, self.style)


def _owner(spans: dict[str, list[tuple[float, float, dict[str, Any]]]], agent: Any,
           ts: float) -> dict[str, Any] | None:
    """The reply of ``agent`` whose time span holds ``ts`` (the innermost, if nested).

    Replies and call records share one clock (``time.time()`` in the app), so a call lies
    inside its reply's span; only if none holds it is the nearest span within ``SLACK``
    taken (a clock step between the two readings).
    """
    best: tuple[float, dict[str, Any]] | None = None
    near: tuple[float, dict[str, Any]] | None = None
    for started, ended, card in spans.get(agent, ()) if agent else ():
        if started <= ts <= ended:
            if best is None or started >= best[0]:
                best = (started, card)
        else:
            gap = started - ts if ts < started else ts - ended
            if gap <= SLACK and (near is None or gap < near[0]):
                near = (gap, card)
    if best is not None:
        return best[1]
    return near[1] if near else None


def conversation(run_id: str, run_dir: Path, agent: str | None = None) -> list[dict[str, Any]]:
    return RunData(run_id, run_dir).conversation(agent)


def usage(run_id: str, run_dir: Path) -> dict[str, Any]:
    """Totals per agent and per model, and every call's time, tokens and cost (for charts)."""
    out = query.usage(run_id, run_dir=run_dir)
    rd = RunData(run_id, run_dir)
    out["timeline"] = [
        {"ts": c["ts"], "agent": c.get("agent") or "(none)", "model": c.get("model") or "?",
         "tokens": (c.get("prompt_tokens") or 0) + (c.get("completion_tokens") or 0),
         "cost": c.get("cost") or 0.0}
        for c in rd.model_calls
    ]
    out["styles"] = {name: rd.style(name) for name in out["by_agent"]}
    return out


def pending_inputs(run_id: str, run_dir: Path, status: str | None = None,
                   style_of: Any = None) -> list[dict[str, Any]]:
    """Pending browser-input requests (none once the run is no longer running)."""
    rows = Inbox(Path(run_dir) / run_id).requests()
    if rows and status is not None and status != "running":
        return []
    style_of = style_of or style
    for r in rows:
        r["style"] = style_of(r["agent"])
        for c in r.get("context") or []:
            if isinstance(c, dict) and c.get("name"):
                c["style"] = style_of(str(c["name"]))
                c["content"] = _text(c.get("content"))
    return rows


def runs(run_dir: Path) -> list[dict[str, Any]]:
    """Every run, newest first, with how many people it is waiting for."""
    out = query.list_runs(run_dir)
    for r in out:
        r["pending_inputs"] = len(pending_inputs(r["run_id"], run_dir, r["status"]))
    return out


def thinking(run_id: str, run_dir: Path) -> list[dict[str, Any]]:
    """Agents waiting for their model right now, and since when (the "thinking" model
    events not yet followed by "thinking_done")."""
    open_calls: dict[str, list[float]] = {}
    for e in query.agent_events(run_id, run_dir=run_dir):
        detail = e.get("detail")
        if e.get("event") != "model_event" or not isinstance(detail, dict) or not e["agent"]:
            continue
        if detail.get("event") == "thinking":
            open_calls.setdefault(e["agent"], []).append(float(e["ts"]))
        elif detail.get("event") == "thinking_done" and open_calls.get(e["agent"]):
            open_calls[e["agent"]].pop(0)
    return [{"agent": a, "since": min(ts)} for a, ts in sorted(open_calls.items()) if ts]


def run_info(run_id: str, run_dir: Path, rd: RunData | None = None) -> dict[str, Any]:
    info = query.get_run(run_id, run_dir)
    info["agents"] = (rd or RunData(run_id, run_dir)).agent_list()
    info["thinking"] = thinking(run_id, run_dir) if info.get("status") == "running" else []
    return info


def snapshot(run_id: str, run_dir: Path, agent: str | None = None) -> tuple[Any, ...]:
    """Everything the live view shows, from one read: run info, cards, pending inputs."""
    rd = RunData(run_id, run_dir)
    info = run_info(run_id, run_dir, rd)
    return info, rd.conversation(agent), rd.pending_inputs(info["status"])


__all__ = ["RunData", "conversation", "media", "pending_inputs", "run_info", "run_styles",
           "runs", "snapshot", "style", "usage", "valid_run_id"]


# --- approvals and budget decisions (durable runs) ------------------------------------------
def approvals(run_id: str, run_dir: str | Path) -> dict[str, Any]:
    """The run's approval requests (newest last) and its budget decisions with reasons."""
    from agentcast.durable import approvals as store

    requests = [r for r in store.list_requests(run_dir) if r["run_id"] == run_id]
    decisions = [{"ts": e["ts"], "agent": e["agent"], **(e["detail"] or {})}
                 for e in query.agent_events(run_id, run_dir=run_dir) if e["event"] == "budget"]
    return {"requests": requests, "budget_decisions": decisions}


def decide_approval(run_id: str, run_dir: str | Path, req_id: str, approve: bool,
                    reason: str) -> dict[str, Any]:
    """Approve or deny one of this run's requests from the page (KeyError: not this run's)."""
    from agentcast.durable import approvals as store
    from agentcast.exceptions import ApprovalError

    if not any(r["id"] == req_id and r["run_id"] == run_id
               for r in store.list_requests(run_dir)):
        raise KeyError(req_id)
    try:
        return store.decide(req_id, approve, run_dir=run_dir, by="studio", reason=reason)
    except ApprovalError as exc:
        raise ValueError(str(exc)) from exc

