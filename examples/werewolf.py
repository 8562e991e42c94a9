"""Werewolf: six agents play the social deduction game (the AgentScope paper's application).

Two werewolves, two villagers, a seer and a witch. Each night the werewolves talk in a
private message hub until they agree on a victim and vote; the witch may save the victim
(antidote, once) and kill someone (poison, once); the seer learns one player's side. Each
day everyone alive discusses in a hub and votes one player out. Players are DictDialogAgents
answering JSON (their ``thought`` stays in their own memory; only ``speech`` is heard).

Offline (the default) every player is a seeded rule-based model that reads its prompt, so
the game runs with no network and no key and always ends. With a model, real LLMs play:

    python examples/werewolf.py                       # offline, seed 0
    python examples/werewolf.py --seed 7 --show-thoughts
    python examples/werewolf.py --durable             # recorded; kill it any time, then
    python examples/werewolf.py --resume RUN_ID       # goes on where it stopped
    python examples/werewolf.py --model openai:gpt-4o-mini
    python examples/werewolf.py --model-config models.json --model my-config
    AGENTCAST_MODEL=my-config AGENTCAST_MODEL_CONFIG=models.json python examples/werewolf.py
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import re
import sys
from collections import Counter
from typing import Any

import agentcast as ac
from agentcast import Msg
from agentcast.models.parsing import JsonDictParser

MAX_ROUNDS = 6  # a bounded game: 6 players lose at least one per day
MAX_WOLF_DISCUSSION = 3
ROLES = ["werewolf", "werewolf", "villager", "villager", "seer", "witch"]
ICONS = {"werewolf": "🐺", "villager": "🧑‍🌾", "seer": "🔮", "witch": "🧙"}

RULES = (
    "Rules: six players: two werewolves, two villagers, one seer, one witch. At night the "
    "werewolves choose a victim together; the witch may save the victim once (antidote) and "
    "kill one player once (poison); the seer learns whether one player is a werewolf. By day "
    "everyone alive discusses, then votes one player out. The villagers' side (villagers, "
    "seer, witch) wins when both werewolves are dead; the werewolves win when they are at "
    "least as many as the others. Keep speeches short (one to three sentences) and in "
    "character; put private reasoning in \"thought\", which nobody else sees."
)

# phase -> (required keys, key heard by others, keys the game reads)
PHASES: dict[str, tuple[list[str], Any, list[str]]] = {
    "wolf_discussion": (["thought", "speech", "finish_discussion"], "speech",
                        ["finish_discussion"]),
    "wolf_vote": (["thought", "vote"], False, ["vote"]),
    "witch_antidote": (["thought", "speech", "use_antidote"], False, ["use_antidote"]),
    "witch_poison": (["thought", "speech", "use_poison", "target"], False,
                     ["use_poison", "target"]),
    "seer_check": (["thought", "speech", "target"], False, ["target"]),
    "day_discussion": (["thought", "speech"], "speech", []),
    "day_vote": (["thought", "vote"], False, ["vote"]),
}


log = logging.getLogger("werewolf")

# What a player does when its reply stays unusable after the re-asks: nothing risky (no
# potion used, no vote, the discussion ends), so one bad reply cannot crash the game.
DEFAULT_ACTIONS: dict[str, dict[str, Any]] = {
    "wolf_discussion": {"finish_discussion": True},
    "wolf_vote": {"vote": None},
    "witch_antidote": {"use_antidote": False},
    "witch_poison": {"use_poison": False, "target": None},
    "seer_check": {"target": None},
    "day_discussion": {},
    "day_vote": {"vote": None},
}


def default_action(name: str, phase: str) -> Any:
    """The fault handler for one player and phase: a safe default action, logged."""

    def handler(response: Any, error: BaseException) -> dict[str, Any]:
        log.warning("%s gave no usable %s reply (%s); using the default action", name, phase,
                    str(error).splitlines()[0][:200])
        return {"thought": "", "speech": "(says nothing)", **DEFAULT_ACTIONS[phase]}

    return handler


def truthy(value: Any) -> bool:
    """A JSON yes (models sometimes answer "true" or "yes" as strings)."""
    return value is True or str(value).strip().lower() in ("true", "yes")


class Game:
    """The moderator: plain Python that runs the phases and keeps the true state."""

    def __init__(self, model: Any, seed: int, show_thoughts: bool = False,
                 max_rounds: int = MAX_ROUNDS) -> None:
        self.max_rounds = max_rounds
        self.rng = random.Random(seed)
        roles = ROLES[:]
        self.rng.shuffle(roles)
        self.names = [f"Player{i}" for i in range(1, 7)]
        self.role = dict(zip(self.names, roles))
        self.wolves = [n for n in self.names if self.role[n] == "werewolf"]
        self.alive = list(self.names)
        self.antidote = self.poison = True
        self.show_thoughts = show_thoughts
        self.players = {n: self._player(n, model, seed) for n in self.names}

    def _player(self, name: str, model: Any, seed: int) -> ac.DictDialogAgent:
        role = self.role[name]
        extra = ""
        if role == "werewolf":
            mate = next(w for w in self.wolves if w != name)
            extra = f" Your fellow werewolf: {mate}."
        others = ", ".join(n for n in self.names if n != name)
        prompt = (f"You are {name}, playing the werewolf game with {others}. Your role: "
                  f"{role}.{extra}\n{RULES}\nAlways answer with the JSON object asked for.")
        if model is None:
            from werewolf_rules import rule_based_model

            model = rule_based_model(name, seed * 100 + int(name[6:]))
        return ac.DictDialogAgent(name, prompt, model, required_keys=["thought", "speech"],
                                  keys_to_content="speech", keys_to_memory=True,
                                  verbose=False, max_retries=2)

    # --- helpers --------------------------------------------------------------------------
    def ask(self, name: str, phase: str, text: str, candidates: list[str], **extra: str) -> Any:
        """Set the player's reply format for this phase and ask (returns the placeholder)."""
        keys, content, meta = PHASES[phase]
        agent = self.players[name]
        agent.parser = JsonDictParser(keys)
        agent.fault_handler = default_action(name, phase)
        agent.keys_to_content = content
        agent.keys_to_metadata = meta or False
        lines = [text, f"TASK: {phase}", f"CANDIDATES: {', '.join(candidates)}"]
        lines += [f"{k.upper()}: {v}" for k, v in extra.items()]
        return agent(Msg("Moderator", "\n".join(lines), role="user"))

    def say(self, name: str, reply: Any, what: str | None = None) -> None:
        role = self.role[name]
        text = what if what is not None else str(reply.content or "")
        print(f"  {ICONS[role]} {name} ({role}): {text}")
        if self.show_thoughts:
            thought = self.players[name].memory.get(recent_n=1)[0].content
            if isinstance(thought, dict) and thought.get("thought"):
                print(f"      💭 {thought['thought']}")

    @staticmethod
    def announce(text: str) -> Msg:
        print(f"📣 Moderator: {text}")
        return Msg("Moderator", text, role="user")

    def tell(self, names: list[str], text: str) -> None:
        msg = Msg("Moderator", text, role="user")
        for n in names:
            self.players[n].observe(msg)

    def legal(self, choice: Any, pool: list[str]) -> str | None:
        """A vote or target as a living candidate's name (None when it is not one)."""
        found = re.findall(r"Player\s*(\d+)", str(choice or ""), re.IGNORECASE)
        name = f"Player{found[0]}" if found else None
        return name if name in pool else None

    def tally(self, votes: dict[str, str | None]) -> str | None:
        counts = Counter(v for v in votes.values() if v)
        if not counts:
            return None
        top = max(counts.values())
        return self.rng.choice(sorted(p for p, c in counts.items() if c == top))

    def winner(self) -> str | None:
        wolves = [p for p in self.alive if p in self.wolves]
        if not wolves:
            return "villagers"
        if len(wolves) >= len(self.alive) - len(wolves):
            return "werewolves"
        return None

    # --- phases ---------------------------------------------------------------------------
    def night(self, round_no: int) -> list[str]:
        print(f"\n🌙 Night {round_no}")
        wolves = [w for w in self.wolves if w in self.alive]
        victims = [p for p in self.alive if p not in self.wolves]
        hint = self.announce(f"Werewolves {', '.join(wolves)}, open your eyes. Discuss whom to "
                             "kill tonight; set finish_discussion to true once you agree.")
        with ac.msghub([self.players[w] for w in wolves], announcement=hint):
            turns = MAX_WOLF_DISCUSSION * len(wolves) if len(wolves) > 1 else 1
            for turn in range(turns):  # until one agrees with the other (bounded)
                w = wolves[turn % len(wolves)]
                reply = self.ask(w, "wolf_discussion", "Discuss.", victims)
                self.say(w, reply)
                if turn > 0 and truthy(reply.metadata.get("finish_discussion")):
                    break
        votes = {w: self.legal(self.ask(w, "wolf_vote", "Werewolves, vote whom to kill.",
                                        victims).metadata.get("vote"), victims) for w in wolves}
        for w, v in votes.items():
            self.say(w, None, f"votes to kill {v or '(invalid vote)'}")
        victim = self.tally(votes) or self.rng.choice(victims)
        self.tell(wolves, f"The werewolves chose {victim}.")
        dead = [victim]
        witch = next((p for p in self.alive if self.role[p] == "witch"), None)
        if witch is not None and self.antidote:
            r = self.ask(witch, "witch_antidote", f"Witch, {victim} was attacked tonight. Use "
                         "your antidote to save them (use_antidote true/false)?", self.alive,
                         victim=victim)
            if truthy(r.metadata.get("use_antidote")):
                self.antidote = False
                dead = []
                self.say(witch, r, f"saves {victim} with the antidote")
            else:
                self.say(witch, r, f"keeps the antidote ({victim} is not saved)")
        if witch is not None and self.poison:
            pool = [p for p in self.alive if p != witch]
            r = self.ask(witch, "witch_poison", "Witch, use your poison (use_poison true/false) "
                         "and on whom (target)?", pool)
            target = self.legal(r.metadata.get("target"), pool)
            if truthy(r.metadata.get("use_poison")) and target:
                self.poison = False
                dead.append(target)
                self.say(witch, r, f"poisons {target}")
            else:
                self.say(witch, r, "keeps the poison")
        seer = next((p for p in self.alive if self.role[p] == "seer"), None)
        if seer is not None:
            pool = [p for p in self.alive if p != seer]
            r = self.ask(seer, "seer_check", "Seer, whose side do you want to learn (target)?",
                         pool)
            target = self.legal(r.metadata.get("target"), pool) or self.rng.choice(pool)
            side = "IS a werewolf" if target in self.wolves else "is NOT a werewolf"
            self.tell([seer], f"Seer result: {target} {side}.")
            self.say(seer, r, f"checks {target}: {side}")
        dead = list(dict.fromkeys(dead))
        for p in dead:
            self.alive.remove(p)
        return dead

    def day(self, round_no: int, dead: list[str]) -> None:
        print(f"\n☀️  Day {round_no}")
        news = f"{' and '.join(dead)} died last night." if dead else "Nobody died last night."
        hint = self.announce(f"{news} Alive: {', '.join(self.alive)}. Discuss who the "
                             "werewolves are.")
        with ac.msghub([self.players[p] for p in self.alive], announcement=hint):
            for p in self.alive:
                self.say(p, self.ask(p, "day_discussion", "Your turn to speak.", self.alive))
        votes = {}
        for p in self.alive:
            pool = [q for q in self.alive if q != p]
            votes[p] = self.legal(self.ask(p, "day_vote", "Vote one player out (vote).",
                                           pool).metadata.get("vote"), pool)
            self.say(p, None, f"votes for {votes[p] or '(invalid vote)'}")
        out = self.tally(votes) or self.rng.choice(self.alive)
        self.alive.remove(out)
        text = self.announce(f"{out} is voted out. {out} was a {self.role[out]}.")
        self.tell(self.alive, str(text.content))

    def play(self) -> str:
        print("🎲 Roles: " + ", ".join(f"{n} {ICONS[self.role[n]]} {self.role[n]}"
                                       for n in self.names))
        for round_no in range(1, self.max_rounds + 1):
            dead = self.night(round_no)
            if dead:
                print(f"  💀 {', '.join(dead)} died.")
            if (won := self.winner()) is not None:
                return won
            self.day(round_no, dead)
            if (won := self.winner()) is not None:
                return won
        return "nobody (round cap reached)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=os.environ.get("AGENTCAST_MODEL"),
                        help="config name or 'provider:model' (default: offline rules)")
    parser.add_argument("--model-config", default=os.environ.get("AGENTCAST_MODEL_CONFIG"),
                        help="a JSON/YAML file of model configs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--show-thoughts", action="store_true")
    parser.add_argument("--durable", action="store_true",
                        help="record the game so that a crashed game can be resumed")
    parser.add_argument("--resume", metavar="RUN_ID",
                        help="resume a durable game (same --seed and models) where it stopped")
    parser.add_argument("--run-dir", default="runs", help="where durable games are recorded")
    args = parser.parse_args(argv)
    if args.durable or args.resume:
        ac.init(model_configs=args.model_config, run_dir=args.run_dir, durable=True,
                resume=args.resume, logger_level="ERROR")
        from agentcast.observe import current_run

        run = current_run()
        assert run is not None
        print(f"💾 durable game {run.id} (if it stops, resume it: --resume {run.id})")
    elif args.model_config:
        ac.init(model_configs=args.model_config, run_dir=None, logger_level="WARNING")
    game = Game(args.model, args.seed, args.show_thoughts)
    try:
        winner = game.play()
    except (ac.AgentCallError, ac.AgentcastError) as exc:
        # Once, without the chained traceback: the cause is in the message.
        original = getattr(exc, "original", None) or exc
        print(f"\n❌ The game stopped: {type(original).__name__}: {original}", file=sys.stderr)
        return 1
    print(f"\n🏆 Winner: {winner}!  Survivors: "
          + ", ".join(f"{p} ({game.role[p]})" for p in game.alive))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
