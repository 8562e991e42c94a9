"""Usage, cost and budgets: counted from ``model_call`` events, enforced by a pre-call guard.

Costs are computed with ``Decimal`` so that a dollar budget's boundary is exact (no float
drift). A budget refuses a call *before* it is made, when::

    spent + reserved + estimated_prompt_tokens + completion_reserve  >  limit

where ``completion_reserve`` is the call's ``max_tokens`` when the guard is told it, else 1
(every answer costs at least one token), and ``reserved`` is what calls already admitted but
not yet finished have claimed (so concurrent calls cannot jointly overshoot). For dollars the
same token counts are priced with the model's input and output prices. Reaching the limit
exactly is allowed; one token (or one micro-cent) more is refused with ``BudgetExceeded``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from agentcast.exceptions import BudgetExceeded, ConfigError
from agentcast.observe.prices import PRICES

log = logging.getLogger("agentcast.monitor")
MILLION = Decimal(1_000_000)


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


# --- budgets --------------------------------------------------------------------------
@dataclass
class Budget:
    """A cap in dollars and/or tokens for the run, an agent or a model.

    ``agent``/``model`` narrow the scope (a model matches its model name or config name);
    ``"*"`` means each agent (or model) separately. ``alert_at`` are fractions of the limit at
    which an alert is logged and ``on_alert`` is called, once each.
    """

    max_cost: float | None = None
    max_tokens: int | None = None
    agent: str | None = None
    model: str | None = None
    alert_at: Sequence[float] = (0.5, 0.8, 0.9)
    on_alert: Callable[[BudgetAlert], Any] | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        if self.max_cost is None and self.max_tokens is None:
            raise ConfigError("a Budget needs max_cost (dollars) or max_tokens", field="budgets")

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


# --- the monitor ----------------------------------------------------------------------
class Monitor:
    """Counts usage and cost per model, agent and run; admits or refuses calls by budget."""

    def __init__(self, prices: Mapping[str, Any] | None = None, budgets: Any = None, *,
                 on_alert: Callable[[BudgetAlert], Any] | None = None,
                 token_estimator: Callable[[Sequence[Any]], int] | None = None) -> None:
        self.prices = PriceTable(prices)
        self.budgets = as_budgets(budgets)
        self.on_alert = on_alert
        self.estimate = token_estimator or estimate_tokens
        self.total = Usage()
        self.by_model: dict[str, Usage] = {}
        self.by_agent: dict[str, Usage] = {}
        self._spend: dict[tuple[int, str | None, str | None], _Spend] = {}
        self._pending: list[tuple[tuple[Any, ...], list[tuple[_Spend, int, Decimal]]]] = []
        self._warned: set[str] = set()
        self._lock = threading.Lock()

    def price(self, model: str, config_name: str | None = None) -> Price | None:
        price = self.prices.lookup(model, config_name)
        if price is None and model not in self._warned:
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
    def guard(self, info: Mapping[str, Any]) -> None:
        """Pre-call hook guard: refuse (raise BudgetExceeded) a call that would pass a budget."""
        if not self.budgets:
            return
        model = str(info.get("model") or "")
        config = info.get("config_name")
        agent = info.get("agent")
        prompt = int(self.estimate(list(info.get("messages") or ())))
        reserve = int(info.get("max_tokens") or 1)
        need_tokens = prompt + reserve
        price = self.price(model, config) if any(b.max_cost is not None for b in self.budgets) \
            else None
        need_cost = price.cost(prompt, reserve) if price is not None else None
        refusal: tuple[BudgetAlert, str] | None = None
        with self._lock:
            claims: list[tuple[_Spend, int, Decimal]] = []
            for i, b in enumerate(self.budgets):
                if not b.applies(agent, model, config):
                    continue
                st = self._state(i, b, agent, model)
                scope = b.label(b.key(agent, model))
                if b.max_tokens is not None:
                    after = st.tokens + st.reserved_tokens + need_tokens
                    if after > b.max_tokens:
                        refusal = (BudgetAlert(b, scope, "tokens", 1.0, st.tokens, b.max_tokens,
                                               True),
                                   f"token budget of {scope} ({b.max_tokens}) would be exceeded: "
                                   f"{st.tokens} spent + {st.reserved_tokens} in flight + "
                                   f"{prompt} prompt (estimated) + {reserve} completion reserve "
                                   f"= {after}")
                        break
                if b.max_cost is not None and need_cost is not None:
                    limit = Decimal(str(b.max_cost))
                    after_cost = st.cost + st.reserved_cost + need_cost
                    if after_cost > limit:
                        refusal = (BudgetAlert(b, scope, "usd", 1.0, float(st.cost), b.max_cost,
                                               True),
                                   f"dollar budget of {scope} (${b.max_cost}) would be exceeded: "
                                   f"${st.cost:f} spent + ${st.reserved_cost:f} in flight + "
                                   f"${need_cost:f} for this call = ${after_cost:f}")
                        break
                claims.append((st, need_tokens, need_cost or Decimal(0)))
            if refusal is None:
                for st, t, c in claims:
                    st.reserved_tokens += t
                    st.reserved_cost += c
                self._pending.append(((agent, config, model), claims))
        if refusal is not None:
            alert, text = refusal
            log.error("refused a call of model %r by agent %r: %s", model, agent, text)
            self._fire([alert])
            exc = BudgetExceeded(text)
            exc.budget = alert.budget  # type: ignore[attr-defined]
            exc.scope = alert.scope  # type: ignore[attr-defined]
            raise exc

    # -- after the call ------------------------------------------------------------------
    def record(self, data: Mapping[str, Any]) -> Decimal | None:
        """Count one ``model_call`` event; returns its cost (None when the price is unknown)."""
        usage = data.get("usage")
        prompt = int(getattr(usage, "prompt_tokens", 0) or 0)
        completion = int(getattr(usage, "completion_tokens", 0) or 0)
        model = str(data.get("model") or "")
        config = data.get("config_name")
        agent = data.get("agent")
        price = self.price(model, config)
        cost = price.cost(prompt, completion) if price is not None else None
        alerts: list[BudgetAlert] = []
        estimated = bool(getattr(usage, "estimated", False))
        with self._lock:
            error = data.get("error") is not None
            self.total.add(prompt, completion, cost, error, estimated)
            self.by_model.setdefault(model, Usage()).add(prompt, completion, cost, error,
                                                         estimated)
            if agent is not None:
                self.by_agent.setdefault(str(agent), Usage()).add(prompt, completion, cost,
                                                                  error, estimated)
            key = (agent, config, model)
            for n, (k, claims) in enumerate(self._pending):
                if k == key:
                    del self._pending[n]
                    for st, t, c in claims:
                        st.reserved_tokens -= t
                        st.reserved_cost -= c
                    break
            for i, b in enumerate(self.budgets):
                if not b.applies(agent, model, config):
                    continue
                st = self._state(i, b, agent, model)
                st.tokens += prompt + completion
                if cost is not None:
                    st.cost += cost
                alerts.extend(self._crossed(b, st, b.label(b.key(agent, model))))
        self._fire(alerts)
        return cost

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

    # -- reading -------------------------------------------------------------------------
    def usage(self) -> dict[str, Any]:
        """Totals, per model and per agent, as plain dicts (cost in dollars, float)."""
        with self._lock:
            return {"total": self.total.as_dict(),
                    "by_model": {k: v.as_dict() for k, v in sorted(self.by_model.items())},
                    "by_agent": {k: v.as_dict() for k, v in sorted(self.by_agent.items())}}


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


__all__ = ["Budget", "BudgetAlert", "Monitor", "Price", "PriceTable", "Usage", "as_budgets",
           "estimate_tokens", "format_usage", "print_usage"]
