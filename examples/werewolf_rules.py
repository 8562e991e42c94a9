"""An offline werewolf player: a rule-based 'model' that reads the prompt and answers JSON.

It sees exactly what a real model would see (the system prompt with its name and role, the
game so far in its memory, the moderator's current task with the legal candidates) and
answers the JSON the task asks for: legal, varied (a seeded random generator per player),
and good enough that every game reaches an end. It is used as a FunctionModel, so the game
code is the same offline and with real models.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from typing import Any

from agentcast import Msg
from agentcast.testing import FunctionModel

PLAYER = r"(Player\d+)"


def _text(m: Msg) -> str:
    c = m.content
    if isinstance(c, str):
        return c
    return json.dumps(c) if c is not None else ""


class Knowledge:
    """What one player can read from its prompt."""

    def __init__(self, messages: list[Msg]) -> None:
        system = _text(messages[0]) if messages else ""
        self.name = _find(r"You are " + PLAYER, system) or "?"
        self.role = _find(r"Your role: (\w+)", system) or "villager"
        mates = _find(r"fellow werewolf: ([^.\n]*)", system) or ""
        self.mates = re.findall(PLAYER, mates)
        task_i = max((i for i, m in enumerate(messages) if "TASK:" in _text(m)), default=-1)
        task = _text(messages[task_i]) if task_i >= 0 else ""
        self.kind = _find(r"TASK: (\w+)", task) or "day_discussion"
        self.candidates = re.findall(PLAYER, _find(r"CANDIDATES: ([^\n]*)", task) or "")
        self.victim = _find(r"VICTIM: " + PLAYER, task)
        self.history = messages[1:task_i] if task_i > 0 else messages[1:]
        self.wolves_found: list[str] = []
        self.innocents: list[str] = []
        for m in self.history:
            if m.name != "Moderator":
                continue
            for p in re.findall(PLAYER + r" IS a werewolf", _text(m)):
                self.wolves_found.append(p)
            for p in re.findall(PLAYER + r" is NOT a werewolf", _text(m)):
                self.innocents.append(p)

    def accusations(self, recent: int = 12) -> Counter[str]:
        """Who the other players called a werewolf lately (a claimed seer counts triple),
        plus suspicion on whoever accused a player later shown to be innocent."""
        votes: Counter[str] = Counter()
        revealed = {p: role for m in self.history if m.name == "Moderator"
                    for p, role in re.findall(PLAYER + r" was a (\w+)", _text(m))}
        for i, m in enumerate(self.history):
            if m.name in ("Moderator", self.name) or not m.name.startswith("Player"):
                continue
            text = _text(m)
            accused = re.findall(r"(?:suspect|accuse|vote for) " + PLAYER, text) + \
                re.findall(PLAYER + r" is a werewolf", text)
            if i >= len(self.history) - recent:
                weight = 3 if "I am the seer" in text else 1
                for p in accused:
                    votes[p] += weight
            if any(revealed.get(p) not in (None, "werewolf") for p in accused):
                votes[m.name] += 2  # they pushed an innocent out
        return votes

    def seer_claimant(self) -> str | None:
        for m in reversed(self.history):
            if m.name.startswith("Player") and "I am the seer" in _text(m):
                return m.name
        return None

    def mate_proposal(self) -> str | None:
        for m in reversed(self.history):
            if m.name in self.mates:
                found = re.findall(r"kill " + PLAYER, _text(m))
                if found:
                    return found[-1]
        return None


def _find(pattern: str, text: str) -> str | None:
    found = re.search(pattern, text)
    return found.group(1) if found else None


def _pick(rng: random.Random, pool: list[str], prefer: list[str] | None = None) -> str | None:
    options = [p for p in (prefer or []) if p in pool]
    if options:
        return options[0]
    return rng.choice(pool) if pool else None


class RulePlayer:
    """The decision rules; ``__call__(messages)`` is the FunctionModel function."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.rng = random.Random(seed)

    def __call__(self, messages: list[Msg]) -> str:
        # Each answer draws from the seed and the prompt alone, as a model sampling with a
        # fixed seed would: the same prompt gets the same answer whatever came before, so a
        # resumed durable game goes on exactly as the uninterrupted one.
        last = messages[-1].content if messages else ""
        self.rng = random.Random(f"{self.seed}/{len(messages)}/{last}")
        k = Knowledge(messages)
        handler = getattr(self, k.kind, self.day_discussion)
        return json.dumps(handler(k))

    # --- night --------------------------------------------------------------------------
    def wolf_discussion(self, k: Knowledge) -> dict[str, Any]:
        pool = [p for p in k.candidates if p not in k.mates and p != k.name]
        proposal = k.mate_proposal()
        if proposal in pool and self.rng.random() < 0.8:
            return {"thought": f"{proposal} is a fine choice.",
                    "speech": f"Agreed, let's kill {proposal}.", "finish_discussion": True}
        target = _pick(self.rng, pool, [k.seer_claimant() or ""])
        return {"thought": f"{target} looks dangerous to us.",
                "speech": f"I suggest we kill {target} tonight.", "finish_discussion": False}

    def wolf_vote(self, k: Knowledge) -> dict[str, Any]:
        pool = [p for p in k.candidates if p not in k.mates and p != k.name]
        target = _pick(self.rng, pool, [k.mate_proposal() or ""])
        return {"thought": "We should stick together.", "vote": target}

    def witch_antidote(self, k: Knowledge) -> dict[str, Any]:
        use = k.victim == k.name or self.rng.random() < 0.8
        return {"thought": f"Should {k.victim} live?", "speech": "", "use_antidote": use}

    def witch_poison(self, k: Knowledge) -> dict[str, Any]:
        suspects = [p for p, _ in k.accusations().most_common() if p in k.candidates]
        if suspects and self.rng.random() < 0.5:
            return {"thought": f"{suspects[0]} is suspicious.", "speech": "",
                    "use_poison": True, "target": suspects[0]}
        return {"thought": "Not sure enough yet.", "speech": "", "use_poison": False,
                "target": None}

    def seer_check(self, k: Knowledge) -> dict[str, Any]:
        known = set(k.wolves_found) | set(k.innocents)
        target = _pick(self.rng, [p for p in k.candidates if p not in known]) or \
            _pick(self.rng, k.candidates)
        return {"thought": f"I will look at {target}.", "speech": "", "target": target}

    # --- day ----------------------------------------------------------------------------
    def day_discussion(self, k: Knowledge) -> dict[str, Any]:
        others = [p for p in k.candidates if p != k.name]
        if k.role == "seer":
            alive_wolves = [p for p in k.wolves_found if p in others]
            if alive_wolves:
                w = alive_wolves[0]
                return {"thought": "Time to reveal what I know.",
                        "speech": f"I am the seer. {w} is a werewolf! Vote for {w}."}
        if k.role == "werewolf":
            pool = [p for p in others if p not in k.mates]
            target = _pick(self.rng, pool, [k.seer_claimant() or ""])
            return {"thought": "Deflect suspicion onto a villager.",
                    "speech": f"I suspect {target}; they have been too quiet."}
        top = [p for p, _ in k.accusations().most_common() if p in others]
        target = top[0] if top and self.rng.random() < 0.75 else _pick(self.rng, others)
        lines = [f"I suspect {target}.", f"Something about {target} feels off; I suspect "
                 f"{target}.", f"I'd like to hear more from {target}. I suspect {target}."]
        return {"thought": "Who is lying?", "speech": self.rng.choice(lines)}

    def day_vote(self, k: Knowledge) -> dict[str, Any]:
        others = [p for p in k.candidates if p != k.name]
        if k.role == "werewolf":
            target = _pick(self.rng, [p for p in others if p not in k.mates],
                           [k.seer_claimant() or ""])
        elif k.role == "seer" and any(p in others for p in k.wolves_found):
            target = next(p for p in k.wolves_found if p in others)
        else:
            top = [p for p, _ in k.accusations().most_common() if p in others]
            target = top[0] if top else _pick(self.rng, others)
        return {"thought": f"{target} must go.", "vote": target}


def rule_based_model(name: str, seed: int) -> FunctionModel:
    """The offline model of one player."""
    return FunctionModel(RulePlayer(seed), config_name=f"rules-{name}")



# For a models.json entry ({"model_type": "function", "function": "werewolf_rules:player"}):
# the same rules behind a configured model, as a real provider would be.
player = RulePlayer(0)

__all__ = ["Knowledge", "RulePlayer", "player", "rule_based_model"]
