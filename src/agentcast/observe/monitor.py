"""Usage, cost and budgets: counted from ``model_call`` events, enforced by a pre-call guard.

Costs are computed with ``Decimal`` so that a dollar budget's boundary is exact (no float
drift). A budget refuses a call *before* it is made, when::

    spent + reserved + prompt_reserve + completion_reserve  >  limit

Admission reserves the call's worst case, atomically (one lock, across event loops and
threads), and settles it to the usage the provider reported when the call ends (the unused
part is released). ``completion_reserve`` is the call's ``max_tokens``; a call without one
is capped at ``DEFAULT_COMPLETION_RESERVE`` tokens or what the tightest budget has left,
whichever is less, and that cap is sent with the call as its ``max_tokens``, so it holds. ``prompt_reserve`` is the estimated prompt (messages and tool schemas) times a
correction learned per model: ``UNCALIBRATED_FACTOR`` until the model has reported usage
(1 when you pass an exact ``token_estimator``), then the highest ratio of reported to
estimated prompt tokens seen. For dollars the same token counts are priced with the
model's input and output prices. Reaching the limit exactly is allowed; one token (or one
micro-cent) more is refused with ``BudgetExceeded``. ``reserved`` is what calls already
admitted but not yet finished have claimed, so concurrent calls cannot jointly overshoot.

A ``MonitorScope`` is a window on a monitor: the usage of some agents between its enter and
exit (one chat, say). It is fed by the monitor's own ``record``, so a chat's numbers and the
run's numbers come from one count. Outside any run, ``process_monitor()`` is the monitor
that counts, while ``process_counting()`` is entered (chats and conversable replies enter
it): nothing subscribes at import, and nothing stays subscribed after.
"""

from __future__ import annotations

import itertools
import json
import logging
import math
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from agentcast import hooks
from agentcast.exceptions import BudgetExceeded, ConfigError
from agentcast.observe.prices import PRICES

log = logging.getLogger("agentcast.monitor")
MILLION = Decimal(1_000_000)
DEFAULT_COMPLETION_RESERVE = 1024  # tokens reserved (and sent as max_tokens) when unset
UNCALIBRATED_FACTOR = 1.5  # prompt estimate margin until a model has reported usage


# --- prices ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Price:
    """US dollars per one million input (prompt) and output (completion) tokens."""

    input: Decimal
    output: Decimal

    def cost(self, prompt_tokens: int, completion_tokens: int) -> Decimal:
        return (self.input * prompt_tokens + self.output * completion_tokens) / MILLION


def _as_price(name: str, value: Any) -> Price:
    if isinstance(value, Price):
        return value
    if isinstance(value, Mapping):
        value = (value.get("input", value.get("prompt")), value.get("output", value.get("completion")))
    if not isinstance(value, (tuple, list)) or len(value) != 2 or None in value:
        raise ConfigError(
            f"price for {name!r}: expected (input, output) dollars per 1M tokens or "
            f'{{"input": ..., "output": ...}}, got {value!r}', field="prices")
    return Price(Decimal(str(value[0])), Decimal(str(value[1])))


def _normalise(model: str) -> str:
    name = model.strip().lower()
    for sep in (":", "/"):  # "openai:gpt-4o", "anthropic/claude-3-5-haiku"
        if sep in name:
            name = name.rsplit(sep, 1)[1]
    return name


class PriceTable:
    """Built-in list prices plus the user's overrides; exact match first, then longest prefix."""

    def __init__(self, overrides: Mapping[str, Any] | None = None) -> None:
        self._prices = {k.lower(): _as_price(k, v) for k, v in PRICES.items()}
        self._exact: dict[str, Price] = {}
        for name, value in (overrides or {}).items():
            price = _as_price(name, value)
            self._prices[name.lower()] = price
            self._exact[name] = price  # overrides also match config names verbatim

    def lookup(self, model: str, config_name: str | None = None) -> Price | None:
        """An override for the model or config name, else the list price of the model."""
        for name in (model, config_name):
            if name and name in self._exact:
                return self._exact[name]
        key = _normalise(model)
        if key in self._prices:
            return self._prices[key]
        best = max((p for p in self._prices if key.startswith(p) and key[len(p)] in "-@_"),
                   key=len, default=None)
        return self._prices[best] if best is not None else None


# --- token estimate -------------------------------------------------------------------
def estimate_tokens(messages: Iterable[Any]) -> int:
    """Prompt tokens of messages, estimated without a tokenizer.

    ASCII text counts 4 characters per token (rounded up), other characters (CJK...) one
    token each, plus 4 tokens per message for role and separators. Pass your own
    ``token_estimator`` for a provider's exact tokenizer.
    """
    total = 0
    for m in messages:
        content = getattr(m, "content", m)
        from agentcast.observe.logging import content_text

        text = content_text(content) + str(getattr(m, "name", "") or "")
        ascii_chars = sum(1 for ch in text if ord(ch) < 128)
        total += -(-ascii_chars // 4) + (len(text) - ascii_chars) + 4
    return total


def estimate_tool_tokens(tools: Any) -> int:
    """Tokens of tool schemas sent with a call (their JSON text, 4 characters a token)."""
    if not tools:
        return 0
    return -(-len(json.dumps(tools, ensure_ascii=False, default=str)) // 4)


# --- budgets --------------------------------------------------------------------------
@dataclass
class Budget:
    """A cap in dollars and/or tokens for the run, an agent or a model.

    ``agent``/``model`` narrow the scope (a model matches its model name or config name);
    ``"*"`` means each agent (or model) separately. ``alert_at`` are fractions of the limit at
    which an alert is logged and ``on_alert`` is called, once each.

    ``on_exceed`` says what happens *before* a call would cross it: ``"stop"`` (the default:
    the call raises ``BudgetExceeded``), ``"fallback"`` (the call goes to the cheaper
    ``fallback`` model, a config name or model), or ``"approve"`` (the run pauses until a
    person approves spending past the budget; durable, see docs/durable.md). Each decision
    and its reason are recorded as a ``budget`` agent event.
    """

    max_cost: float | None = None
    max_tokens: int | None = None
    agent: str | None = None
    model: str | None = None
    alert_at: Sequence[float] = (0.5, 0.8, 0.9)
    on_alert: Callable[[BudgetAlert], Any] | None = None
    name: str | None = None
    on_exceed: str = "stop"
    fallback: Any = None  # a model config name or model, for on_exceed="fallback"

    def __post_init__(self) -> None:
        if self.max_cost is None and self.max_tokens is None:
            raise ConfigError("a Budget needs max_cost (dollars) or max_tokens", field="budgets")
        if self.on_exceed not in ("stop", "fallback", "approve"):
            raise ConfigError(f"Budget.on_exceed must be 'stop', 'fallback' or 'approve', got "
                              f"{self.on_exceed!r}", field="on_exceed")
        if self.on_exceed == "fallback" and self.fallback is None:
            raise ConfigError("Budget(on_exceed='fallback') needs fallback= (a cheaper model)",
                              field="fallback")

    def applies(self, agent: str | None, model: str, config_name: str | None) -> bool:
        if self.agent not in (None, "*") and agent != self.agent:
            return False
        return self.model in (None, "*") or self.model in (model, config_name)

    def key(self, agent: str | None, model: str) -> tuple[str | None, str | None]:
        return (agent if self.agent == "*" else None, model if self.model == "*" else None)

    def label(self, key: tuple[str | None, str | None] = (None, None)) -> str:
        if self.name:
            return self.name
        parts = [f"agent {key[0] or self.agent}" if self.agent else "",
                 f"model {key[1] or self.model}" if self.model else ""]
        return " / ".join(p for p in parts if p) or "run"


@dataclass
class BudgetAlert:
    """Passed to alert callbacks: which budget, which threshold, how much is spent."""

    budget: Budget
    scope: str
    unit: str  # "usd" or "tokens"
    threshold: float
    spent: float
    limit: float
    refused: bool = False


@dataclass
class _Spend:
    tokens: int = 0
    cost: Decimal = Decimal(0)
    reserved_tokens: int = 0
    reserved_cost: Decimal = Decimal(0)
    granted_tokens: int = 0  # spending past the limit a person approved
    granted_cost: Decimal = Decimal(0)
    fired: set[tuple[str, float]] = field(default_factory=set)


@dataclass
class Usage:
    """Counters for one model, one agent or the whole run."""

    calls: int = 0
    errors: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: Decimal = Decimal(0)
    unpriced_calls: int = 0
    estimated_calls: int = 0  # calls whose server reported no token counts (estimated)

    def add(self, prompt: int, completion: int, cost: Decimal | None, error: bool,
            estimated: bool = False) -> None:
        self.calls += 1
        self.estimated_calls += int(estimated)
        self.errors += int(error)
        self.prompt_tokens += prompt
        self.completion_tokens += completion
        if cost is None:
            self.unpriced_calls += 1
        else:
            self.cost += cost

    def as_dict(self) -> dict[str, Any]:
        return {"calls": self.calls, "errors": self.errors, "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens,
                "total_tokens": self.prompt_tokens + self.completion_tokens,
                "cost": float(self.cost), "unpriced_calls": self.unpriced_calls,
                "estimated_calls": self.estimated_calls}


def as_budgets(budgets: Any) -> list[Budget]:
    """Accept a Budget, a dict of Budget fields, or a list of either."""
    if budgets is None:
        return []
    if isinstance(budgets, (Budget, Mapping)):
        budgets = [budgets]
    out = []
    for b in budgets:
        if isinstance(b, Budget):
            out.append(b)
        elif isinstance(b, Mapping):
            try:
                out.append(Budget(**b))
            except TypeError as exc:
                raise ConfigError(f"budget {dict(b)!r}: {exc}", field="budgets") from exc
        else:
            raise ConfigError(f"budgets: expected Budget or dict, got {type(b).__name__}",
                              field="budgets")
    return out


# --- scopes ---------------------------------------------------------------------------
class MonitorScope:
    """The usage of the named agents while the scope is open (``with monitor.scope(names)``).

    Not a second counter: the monitor's ``record`` adds each call to the open scopes whose
    names include the call's agent, with the cost the monitor computed.
    """

    def __init__(self, monitor: Monitor, names: Iterable[str]) -> None:
        self.monitor = monitor
        self.names = set(names)
        self.total = Usage()
        self.by_agent: dict[str, Usage] = {}
        self.by_model: dict[str, Usage] = {}

    def __enter__(self) -> MonitorScope:
        self.monitor.open_scope(self)
        return self

    def __exit__(self, *exc: object) -> None:
        self.monitor.close_scope(self)

    def add(self, agent: str, model: str, prompt: int, completion: int,
            cost: Decimal | None, error: bool, estimated: bool = False) -> None:
        """Count one call (called by the monitor, under its lock)."""
        for usage in (self.total, self.by_agent.setdefault(agent, Usage()),
                      self.by_model.setdefault(model, Usage())):
            usage.add(prompt, completion, cost, error, estimated)

    def as_dict(self) -> dict[str, Any]:
        """Totals plus ``by_agent`` and ``by_model`` (cost in dollars, float)."""
        with self.monitor._lock:
            out = self.total.as_dict()
            out["by_agent"] = {k: v.as_dict() for k, v in sorted(self.by_agent.items())}
            out["by_model"] = {k: v.as_dict() for k, v in sorted(self.by_model.items())}
        return out


# --- the monitor ----------------------------------------------------------------------
class Monitor:
    """Counts usage and cost per model, agent and run; admits or refuses calls by budget."""

    def __init__(self, prices: Mapping[str, Any] | None = None, budgets: Any = None, *,
                 on_alert: Callable[[BudgetAlert], Any] | None = None,
                 token_estimator: Callable[[Sequence[Any]], int] | None = None,
                 warn_unpriced: bool = True) -> None:
        self.prices = PriceTable(prices)
        self.warn_unpriced = warn_unpriced
        self.budgets = as_budgets(budgets)
        self.on_alert = on_alert
        self.estimate = token_estimator or estimate_tokens
        self.total = Usage()
        self.by_model: dict[str, Usage] = {}
        self.by_agent: dict[str, Usage] = {}
        self.by_agent_model: dict[str, dict[str, Usage]] = {}
        self._scopes: list[MonitorScope] = []
        self._spend: dict[tuple[int, str | None, str | None], _Spend] = {}
        # reservation id -> (agent, config, model), raw prompt estimate, claims
        self._pending: dict[int, tuple[tuple[Any, ...], int, list[tuple[_Spend, int, Decimal]]]] \
            = {}
        self._ids = itertools.count(1)
        self._exact = token_estimator is not None
        self._ratio: dict[str, float] = {}  # model -> highest reported / estimated prompt
        self._warned: set[str] = set()
        self._lock = threading.Lock()

    def price(self, model: str, config_name: str | None = None) -> Price | None:
        price = self.prices.lookup(model, config_name)
        if price is None and self.warn_unpriced and model not in self._warned:
            self._warned.add(model)
            log.warning("no price known for model %r: counting its tokens only "
                        "(give one with prices={%r: (input, output)} in $ per 1M tokens)",
                        model, model)
        return price

    def _state(self, i: int, b: Budget, agent: str | None, model: str) -> _Spend:
        k = (i, *b.key(agent, model))
        st = self._spend.get(k)
        if st is None:
            st = self._spend[k] = _Spend()
        return st

    # -- before the call -----------------------------------------------------------------
    def prompt_factor(self, model: str) -> float:
        """The margin put on this model's prompt estimate (see the module docstring)."""
        with self._lock:
            return self._factor(model)

    def _factor(self, model: str) -> float:
        if model in self._ratio:
            return max(1.0, self._ratio[model])
        return 1.0 if self._exact else UNCALIBRATED_FACTOR

    def guard(self, info: dict[str, Any]) -> None:
        """Pre-call hook guard: reserve the call's worst case, or refuse it (BudgetExceeded)
        when that would pass a budget. Sets ``info["reservation"]`` (settled by ``record``)
        and, when the call declares no ``max_tokens``, ``info["max_tokens"]`` to the
        default cap that was reserved, which the caller sends with the call."""
        if not self.budgets:
            return
        model = str(info.get("model") or "")
        config = info.get("config_name")
        agent = info.get("agent")
        if not any(b.applies(agent, model, config) for b in self.budgets):
            return
        raw = int(self.estimate(list(info.get("messages") or ()))) \
            + estimate_tool_tokens(info.get("tools"))
        declared = info.get("max_tokens")
        price = self.price(model, config) if any(b.max_cost is not None for b in self.budgets) \
            else None
        refusal: tuple[BudgetAlert, str] | None = None
        with self._lock:
            prompt = math.ceil(raw * self._factor(model))
            reserve = int(declared) if declared is not None else \
                self._default_cap(agent, model, config, prompt, price)
            need_tokens = prompt + reserve
            need_cost = price.cost(prompt, reserve) if price is not None else None
            claims: list[tuple[_Spend, int, Decimal]] = []
            for i, b in enumerate(self.budgets):
                if not b.applies(agent, model, config):
                    continue
                st = self._state(i, b, agent, model)
                scope = b.label(b.key(agent, model))
                if b.max_tokens is not None:
                    after = st.tokens + st.reserved_tokens + need_tokens
                    if after > b.max_tokens + st.granted_tokens:
                        refusal = (BudgetAlert(b, scope, "tokens", 1.0, st.tokens, b.max_tokens,
                                               True),
                                   f"token budget of {scope} ({b.max_tokens}) would be exceeded: "
                                   f"{st.tokens} spent + {st.reserved_tokens} in flight + "
                                   f"{prompt} prompt (estimated, with margin) + {reserve} "
                                   f"completion reserve = {after}")
                        break
                if b.max_cost is not None and need_cost is not None:
                    limit = Decimal(str(b.max_cost))
                    after_cost = st.cost + st.reserved_cost + need_cost
                    if after_cost > limit + st.granted_cost:
                        refusal = (BudgetAlert(b, scope, "usd", 1.0, float(st.cost), b.max_cost,
                                               True),
                                   f"dollar budget of {scope} (${b.max_cost}) would be exceeded: "
                                   f"${st.cost:f} spent + ${st.reserved_cost:f} in flight + "
                                   f"${need_cost:f} for this call = ${after_cost:f}")
                        break
                claims.append((st, need_tokens, need_cost or Decimal(0)))
            refused_key: tuple[Any, ...] = ()
            if refusal is not None:  # the loop stopped at the budget that refused
                refused_key = (i, *b.key(agent, model))
            if refusal is None:
                for st, t, c in claims:
                    st.reserved_tokens += t
                    st.reserved_cost += c
                rid = next(self._ids)
                self._pending[rid] = ((agent, config, model), raw, claims)
                info["reservation"] = rid
                if declared is None:
                    info["max_tokens"] = reserve
        if refusal is not None:
            alert, text = refusal
            log.error("refused a call of model %r by agent %r: %s", model, agent, text)
            self._fire([alert])
            exc = BudgetExceeded(text)
            exc.budget = alert.budget  # type: ignore[attr-defined]
            exc.scope = alert.scope  # type: ignore[attr-defined]
            exc.need = (refused_key, need_tokens, need_cost)  # type: ignore[attr-defined]
            raise exc

    def grant(self, need: tuple[Any, int, Decimal | None]) -> None:
        """Let one refused call's worth of spending (``BudgetExceeded.need``) past its budget:
        a person approved it (``Budget(on_exceed="approve")``)."""
        key, tokens, cost = need
        with self._lock:
            st = self._spend.setdefault(key, _Spend())
            st.granted_tokens += tokens
            st.granted_cost += cost or Decimal(0)

    def restore(self, agent: str | None, model: str, config: str | None, prompt: int,
                completion: int) -> None:
        """Count a model call a resumed durable run answered from its record against the
        budgets (it cost nothing now, but it was spent in this run)."""
        price = self.price(model, config) if any(b.max_cost is not None for b in self.budgets) \
            else None
        cost = price.cost(prompt, completion) if price is not None else None
        with self._lock:
            for i, b in enumerate(self.budgets):
                if b.applies(agent, model, config):
                    st = self._state(i, b, agent, model)
                    st.tokens += prompt + completion
                    if cost is not None:
                        st.cost += cost

    def _default_cap(self, agent: str | None, model: str, config: str | None, prompt: int,
                     price: Price | None) -> int:
        """The completion cap of a call without ``max_tokens``: ``DEFAULT_COMPLETION_RESERVE``
        or what the tightest budget has left after the prompt, whichever is less (at least 1;
        a call without room is then refused as usual)."""
        cap = DEFAULT_COMPLETION_RESERVE
        for i, b in enumerate(self.budgets):
            if not b.applies(agent, model, config):
                continue
            st = self._state(i, b, agent, model)
            if b.max_tokens is not None:
                cap = min(cap, b.max_tokens - st.tokens - st.reserved_tokens - prompt)
            if b.max_cost is not None and price is not None and price.output > 0:
                room = Decimal(str(b.max_cost)) - st.cost - st.reserved_cost \
                    - price.cost(prompt, 0)
                cap = min(cap, math.floor(room * MILLION / price.output))
        return max(1, cap)

    def release(self, info: Mapping[str, Any]) -> None:
        """Give back what ``guard`` reserved for a call that was then not made (another
        guard refused it)."""
        rid = info.get("reservation")
        if rid is not None:
            with self._lock:
                self._settle(rid, ())

    # -- after the call ------------------------------------------------------------------
    def record(self, data: Mapping[str, Any]) -> Decimal | None:
        """Count one ``model_call`` event and settle its reservation; returns its cost (None
        when the price is unknown)."""
        usage = data.get("usage")
        prompt = int(getattr(usage, "prompt_tokens", 0) or 0)
        completion = int(getattr(usage, "completion_tokens", 0) or 0)
        model = str(data.get("model") or "")
        config = data.get("config_name")
        agent = data.get("agent")
        price = self.price(model, config)
        cost = price.cost(prompt, completion) if price is not None else None
        alerts: list[BudgetAlert] = []
        overshoot = None
        estimated = bool(getattr(usage, "estimated", False))
        with self._lock:
            error = data.get("error") is not None
            self.total.add(prompt, completion, cost, error, estimated)
            self.by_model.setdefault(model, Usage()).add(prompt, completion, cost, error,
                                                         estimated)
            if agent is not None:
                name = str(agent)
                self.by_agent.setdefault(name, Usage()).add(prompt, completion, cost, error,
                                                             estimated)
                self.by_agent_model.setdefault(name, {}).setdefault(model, Usage()).add(
                    prompt, completion, cost, error, estimated)
                for scope in self._scopes:
                    if name in scope.names:
                        scope.add(name, model, prompt, completion, cost, error, estimated)
            pending = self._settle(data.get("reservation"), (agent, config, model))
            if pending is not None:
                raw, claims = pending
                if raw > 0 and prompt > 0:
                    ratio = prompt / raw
                    if ratio > self._ratio.get(model, 0.0):
                        self._ratio[model] = ratio
                reserved = max((t for _, t, _ in claims), default=0)
                if claims and prompt + completion > reserved:
                    overshoot = (prompt + completion, reserved)
            for i, b in enumerate(self.budgets):
                if not b.applies(agent, model, config):
                    continue
                st = self._state(i, b, agent, model)
                st.tokens += prompt + completion
                if cost is not None:
                    st.cost += cost
                alerts.extend(self._crossed(b, st, b.label(b.key(agent, model))))
        if overshoot is not None:
            log.warning("model %r used %d tokens where %d were reserved: its prompts count more "
                        "than estimated (later calls reserve more; pass token_estimator= with "
                        "the provider's tokenizer for exact counts)", model, *overshoot)
        self._fire(alerts)
        return cost

    def _settle(self, rid: Any, key: tuple[Any, ...]
                ) -> tuple[int, list[tuple[_Spend, int, Decimal]]] | None:
        """Release a reservation (by id, else the oldest one of the same call key)."""
        if rid is None:  # an emitter that does not carry the id
            rid = next((r for r, (k, _, _) in self._pending.items() if k == key), None)
        found = self._pending.pop(rid, None) if rid is not None else None
        if found is None:
            return None
        _, raw, claims = found
        for st, t, c in claims:
            st.reserved_tokens -= t
            st.reserved_cost -= c
        return raw, claims

    @staticmethod
    def _crossed(b: Budget, st: _Spend, scope: str) -> list[BudgetAlert]:
        out = []
        for unit, spent, limit in (("tokens", st.tokens, b.max_tokens),
                                   ("usd", float(st.cost), b.max_cost)):
            if not limit:
                continue
            for t in sorted(b.alert_at):
                if spent >= t * limit and (unit, t) not in st.fired:
                    st.fired.add((unit, t))
                    out.append(BudgetAlert(b, scope, unit, t, spent, limit))
        return out

    def _fire(self, alerts: list[BudgetAlert]) -> None:
        for a in alerts:
            if not a.refused:
                log.warning("budget alert: %s has used %.0f%% of its %s limit (%s of %s)",
                            a.scope, 100 * a.spent / a.limit, a.unit, a.spent, a.limit)
            for cb in (a.budget.on_alert, self.on_alert):
                if cb is not None:
                    try:
                        cb(a)
                    except Exception:  # a broken callback must not stop the run
                        log.exception("budget alert callback failed")

    # -- scopes --------------------------------------------------------------------------
    def scope(self, names: Iterable[str]) -> MonitorScope:
        """A window counting the calls of ``names`` from ``with`` entry to exit."""
        return MonitorScope(self, names)

    def open_scope(self, scope: MonitorScope) -> None:
        with self._lock:
            self._scopes.append(scope)

    def close_scope(self, scope: MonitorScope) -> None:
        with self._lock:
            if scope in self._scopes:
                self._scopes.remove(scope)

    # -- reading -------------------------------------------------------------------------
    def agent_usage(self, agent: str) -> dict[str, Usage]:
        """One agent's usage per model (copies), for per-agent usage summaries."""
        with self._lock:
            return {model: Usage(u.calls, u.errors, u.prompt_tokens, u.completion_tokens, u.cost,
                                 u.unpriced_calls)
                    for model, u in self.by_agent_model.get(agent, {}).items()}

    def usage(self) -> dict[str, Any]:
        """Totals, per model and per agent, as plain dicts (cost in dollars, float)."""
        with self._lock:
            return {"total": self.total.as_dict(),
                    "by_model": {k: v.as_dict() for k, v in sorted(self.by_model.items())},
                    "by_agent": {k: v.as_dict() for k, v in sorted(self.by_agent.items())}}


_process_monitor: Monitor | None = None
_process_lock = threading.Lock()
_process_users = 0
_process_unsubscribe: Callable[[], None] | None = None


def process_monitor() -> Monitor:
    """The monitor of this process outside runs (created at first use; it counts only
    inside ``process_counting()``). Unknown prices count tokens only, without warning."""
    global _process_monitor
    with _process_lock:
        if _process_monitor is None:
            _process_monitor = Monitor(warn_unpriced=False)
        return _process_monitor


@contextmanager
def process_counting() -> Iterator[Monitor]:
    """Count every ``model_call`` event into the process monitor while inside (nested and
    concurrent uses share one hook subscription, removed when the last one leaves, so the
    hook bus stays silent when no chat runs)."""
    global _process_users, _process_unsubscribe
    monitor = process_monitor()
    with _process_lock:
        _process_users += 1
        if _process_unsubscribe is None:
            def on_event(kind: str, data: dict[str, Any]) -> None:
                if kind == "model_call":
                    monitor.record(data)

            _process_unsubscribe = hooks.subscribe(on_event)
    try:
        yield monitor
    finally:
        with _process_lock:
            _process_users -= 1
            if _process_users == 0 and _process_unsubscribe is not None:
                _process_unsubscribe()
                _process_unsubscribe = None


def cost_text(u: Mapping[str, Any]) -> str:
    """Dollars, or "no price" when no call had one (never a made-up $0.000000)."""
    calls, unpriced = int(u.get("calls", 0) or 0), int(u.get("unpriced_calls", 0) or 0)
    if calls and unpriced >= calls:
        return "no price"
    return f"{u.get('cost', 0):.6f}" + (" + ?" if unpriced else "")


def tokens_text(u: Mapping[str, Any]) -> tuple[str, str, str]:
    """Prompt, completion and total tokens; "~" marks counts that include estimates."""
    mark = "~" if u.get("estimated_calls") else ""
    return tuple(f"{mark}{u.get(k, 0)}" for k in  # type: ignore[return-value]
                 ("prompt_tokens", "completion_tokens", "total_tokens"))


def format_usage(usage: Mapping[str, Any], file: Any = None, title: str = "usage") -> None:
    """Print a usage summary (the shape ``Monitor.usage`` and the store return) as tables."""
    from rich.console import Console
    from rich.table import Table

    console = Console(file=file, highlight=False)
    for label, rows in (("model", usage.get("by_model", {})), ("agent", usage.get("by_agent", {}))):
        table = Table(title=f"{title} by {label}")
        for col in (label, "calls", "errors", "prompt", "completion", "total", "cost ($)"):
            table.add_column(col, justify="left" if col == label else "right")
        for name, u in [*rows.items(), ("TOTAL", usage.get("total", {}))]:
            table.add_row(str(name), str(u.get("calls", 0)), str(u.get("errors", 0)),
                          *tokens_text(u), cost_text(u))
        console.print(table)
    if usage.get("total", {}).get("estimated_calls"):
        console.print("~ includes token counts estimated at 4 characters a token (the "
                      "server reported none)")


def print_usage(file: Any = None) -> dict[str, Any]:
    """Print usage and cost per model and per agent of the current (or last) run."""
    from agentcast.observe.run import last_run

    run = last_run()
    if run is None:
        print("no run recorded: call ac.init() (or agentcast.observe.start_run()) first",
              file=file)
        return {}
    usage = run.monitor.usage()
    format_usage(usage, file=file, title=f"run {run.id}")
    return usage


__all__ = ["DEFAULT_COMPLETION_RESERVE", "UNCALIBRATED_FACTOR", "Budget", "BudgetAlert", "Monitor",
           "MonitorScope", "Price", "PriceTable", "Usage", "as_budgets", "estimate_tokens",
           "estimate_tool_tokens", "format_usage", "print_usage", "process_counting",
           "process_monitor"]
