"""Every error agentcast raises, in one tree.

Three branches, because three different people must act on them::

    AgentcastError
    ├── UsageError                developer mistakes: fix the code or the config
    │   ├── ConfigError               (ValueError) a bad model/agent config; names the field
    │   │   └── UnknownModelTypeError     lists the known model types
    │   ├── InvalidMessageError       (ValueError) a malformed Msg / wire dict; names the field
    │   ├── ChatConfigError           (ValueError) a bad chat / group chat argument; names it
    │   │   └── AgentNameConflictError    two agents of a group chat answer to one name
    │   ├── MissingExtraError         (ImportError) names the extra to install
    │   ├── InsecureServerError       a server would listen beyond loopback without auth
    │   ├── PlaceholderReadError      (RuntimeError) reading an unresolved placeholder on the loop
    │   └── ApprovalError             an approval that cannot be given (expired, unknown)
    ├── RunError                  run failures: something broke while the workflow ran
    │   ├── AgentCallError            a reply raised; the original is kept as __cause__
    │   ├── ModelError                a model call failed for good
    │   │   ├── TransientModelError       429 / 5xx / timeout / reset (retried first)
    │   │   │   └── RetriesExhaustedError     still failing after the retry policy gave up
    │   │   ├── UnresolvableModelError    401/403, unknown model, quota: never retried
    │   │   │   ├── UnsupportedRequestError   the server refused a feature (response_format)
    │   │   │   └── ResponseTooLargeError     a body or stream line over the size cap
    │   │   └── ResponseParseError        output still unusable after repair and re-asks
    │   ├── BudgetExceeded            a call refused because it would pass a budget
    │   ├── SandboxError              the code sandbox could not run the code at all
    │   │   └── SandboxUnavailableError   no sandbox mode that isolates can run here; says what to install
    │   ├── DistributedError          remote agent died / timed out / unreachable; names it
    │   │   ├── AgentDiedError            its process died and recovery failed
    │   │   ├── DistributedTimeoutError   (TimeoutError) a remote call outlived its timeout
    │   │   └── ReplyDecodeError          a remote reply is not a valid Msg; names the field
    │   ├── TerminationError          a loop hit its cap where that is an error
    │   ├── DivergenceError           a resumed run asked for a call unlike its record
    │   ├── InFlightToolError         a side-effecting tool was running at the crash
    │   ├── ApprovalPending           a tool waits for a person's approval: the run pauses
    │   └── StalledError              a wait on agents cannot finish; names who waits on what
    │       ├── DeadlockError             no progress possible (a cycle, or nothing resolves it)
    │       └── WaitTimeoutError          (TimeoutError) a bounded wait passed its bound
    └── ModelFacingError          errors the *model* should read and correct
        ├── ToolInputError            bad tool name or arguments
        ├── ToolExecutionError        the tool ran and failed
        └── ReplyFormatError          (ValueError) a reply is not the JSON/shape asked for
            └── TagNotFoundError          a tag the parser needs is not in the reply

Warnings (``warnings.warn``, never raised)::

    AgentcastWarning (UserWarning)  a call did less than asked and carried on (e.g. deleting
                                    a memory position that does not exist)
"""

from __future__ import annotations

from typing import Any

from agentcast.secrets import mask  # stdlib only; masks credentials in every message


class AgentcastError(Exception):
    """Root of every agentcast error. Registered secret values (``agentcast.secrets``) are
    masked in its message, so an error text built from a server's answer that echoes a
    credential never carries it further."""

    def __init__(self, *args: object) -> None:
        if args and isinstance(args[0], str):
            args = (mask(args[0]), *args[1:])
        super().__init__(*args)


# --- developer mistakes ---------------------------------------------------------------
class UsageError(AgentcastError):
    """The program or its configuration is wrong; retrying will not help."""


class ConfigError(UsageError, ValueError):
    """A model or agent config is wrong. The message names the offending field."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class UnknownModelTypeError(ConfigError):
    """A config names a model_type nobody registered; the message lists the known ones."""


class InvalidMessageError(UsageError, ValueError):
    """A Msg or its wire dict is malformed; the message names the field."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ChatConfigError(UsageError, ValueError):
    """A chat, group chat or reply-function argument is wrong; the message names it.

    A ValueError, as AutoGen raises for the same mistakes, so ported ``except`` clauses hold.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class AgentNameConflictError(ChatConfigError):
    """A name lookup in a group chat found several agents with that name."""


class MissingExtraError(UsageError, ImportError):
    """An optional dependency is missing; the message names the extra to install."""

    def __init__(self, extra: str, package: str, feature: str = "") -> None:
        what = f" for {feature}" if feature else ""
        super().__init__(
            f"{package!r} is needed{what} but is not installed: "
            f"pip install 'agentcast[{extra}]'"
        )
        self.extra = extra
        self.package = package


class InsecureServerError(UsageError):
    """A server was asked to run in a way that would admit strangers (no token beyond
    loopback, Ray token authentication off on a network bind); says what to do instead."""


class PlaceholderReadError(UsageError, RuntimeError):
    """An unresolved placeholder was read where blocking would stall the event loop."""


class ApprovalError(UsageError):
    """An approval cannot be given: the request expired, or there is no such request."""


# --- run failures ---------------------------------------------------------------------
class RunError(AgentcastError):
    """Something failed while the workflow ran."""


class AgentCallError(RunError):
    """An agent's reply raised. The original exception is ``__cause__`` and ``.original``."""

    def __init__(self, agent: str, seq_id: str, original: BaseException) -> None:
        super().__init__(f"agent {agent!r} failed in call {seq_id}: {type(original).__name__}: {original}")
        self.agent = agent
        self.seq_id = seq_id
        self.original = original
        self.__cause__ = original


class ModelError(RunError):
    """A model call failed for good."""

    def __init__(self, message: str, *, model: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.model = model
        self.status = status


class TransientModelError(ModelError):
    """Worth retrying: rate limits, server errors, timeouts, dropped connections."""

    def __init__(
        self,
        message: str,
        *,
        model: str = "",
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, model=model, status=status)
        self.retry_after = retry_after


class RetriesExhaustedError(TransientModelError):
    """Transient faults outlasted the retry policy (count or deadline); the last is __cause__.

    A separate class so that fallback models and callers can tell "gave up" from "one blip".
    """

    def __init__(
        self, message: str, *, model: str = "", status: int | None = None, attempts: int = 0
    ) -> None:
        super().__init__(message, model=model, status=status)
        self.attempts = attempts


class UnresolvableModelError(ModelError):
    """Never retried: bad credentials, unknown model, exhausted quota. Says what to fix."""


class UnsupportedRequestError(UnresolvableModelError):
    """The server refused a request feature it does not support (``feature`` names it, e.g.
    ``response_format``): structured output falls back to a weaker mode instead of retrying."""

    def __init__(self, message: str, *, model: str = "", status: int | None = None,
                 feature: str = "") -> None:
        super().__init__(message, model=model, status=status)
        self.feature = feature


class ResponseTooLargeError(UnresolvableModelError):
    """A response body or one stream line passed its size cap (``limit`` bytes); reading
    stopped there, so a runaway or hostile server cannot fill memory."""

    def __init__(self, message: str, *, model: str = "", limit: int = 0) -> None:
        super().__init__(message, model=model)
        self.limit = limit


class ResponseParseError(ModelError):
    """The model's output could not be parsed even after repair and re-asking."""

    def __init__(self, message: str, *, model: str = "", raw: str = "") -> None:
        super().__init__(message, model=model)
        self.raw = raw


class BudgetExceeded(RunError):
    """A call was refused because it would exceed a token or dollar budget."""


class SandboxError(RunError):
    """The sandbox itself could not run the code (not: the code failed)."""


class SandboxUnavailableError(SandboxError):
    """No sandbox that meets the guarantees can run here (e.g. bubblewrap missing, user
    namespaces disabled); the message says what to install or enable. Never a silent
    fallback: a weaker mode runs only when named."""


class DistributedError(RunError):
    """A remote agent died, timed out or could not be reached; ``agent`` names it."""

    def __init__(self, message: str, *, agent: str = "") -> None:
        super().__init__(message)
        self.agent = agent


class AgentDiedError(DistributedError):
    """A remote agent's process died and restarting it (or retrying the call) failed."""


class DistributedTimeoutError(DistributedError, TimeoutError):
    """A call to a remote agent did not finish within its timeout."""


class ReplyDecodeError(DistributedError):
    """A remote agent's reply could not be turned back into a Msg (``field`` names why).

    Raised at once where the reply is read, instead of the caller waiting for the timeout.
    """

    def __init__(self, message: str, *, agent: str = "", field: str | None = None) -> None:
        super().__init__(message, agent=agent)
        self.field = field


class TerminationError(RunError):
    """A bounded loop reached its cap where the caller asked for that to be an error."""


class DivergenceError(RunError):
    """A resumed durable run asked for something its record does not have at that point.

    ``call`` names the first divergence ("agent#n", "input#k", "agent#n/tool2"); ``recorded``
    and ``now`` describe both versions. Never mixed: the run stops here.
    """

    def __init__(self, message: str, *, call: str, recorded: str, now: str) -> None:
        super().__init__(f"{message} (recorded: {recorded}; now: {now})")
        self.message = message
        self.call = call
        self.recorded = recorded
        self.now = now

    def __reduce__(self) -> Any:  # crosses from a Ray host intact
        return (_keywords, (type(self), self.message,
                            {"call": self.call, "recorded": self.recorded, "now": self.now}))


class InFlightToolError(RunError):
    """A tool with side effects had started but not finished when the run stopped, so it
    may or may not have acted. It is not run again on its own: the run stops and asks. A
    person checks, then approves the request ``request_id`` (run it again, once) or denies
    it (the model is told it did not run), and resumes; or resumes with
    ``in_flight="rerun"``; or marks the tool ``idempotent``."""

    def __init__(self, tool: str, arguments: object, call: str,
                 request_id: str | None = None) -> None:
        ask = (f"Check, then `agentcast approvals approve {request_id}` to run it again (or "
               "`deny` to tell the model it did not run) and resume" if request_id else
               "Check, then resume with in_flight='rerun'")
        super().__init__(
            f"tool {tool!r} (arguments {arguments!r}) was in flight in call {call} when the "
            f"run stopped; it may have acted. {ask} (or mark the tool idempotent=True / "
            "read_only=True)")
        self.tool = tool
        self.arguments = arguments
        self.call = call
        self.request_id = request_id

    def __reduce__(self) -> Any:  # crosses from a Ray host intact
        return (type(self), (self.tool, self.arguments, self.call, self.request_id))


class ApprovalPending(RunError):
    """A tool marked ``requires_approval`` waits for a decision; the run stops here.

    The request is in the run store: approve it (``agentcast approvals approve ID``,
    ``agentcast.durable.approve(ID)`` or the studio), then resume the run.
    """

    def __init__(self, request_id: str, tool: str, arguments: object, run_id: str) -> None:
        super().__init__(
            f"tool {tool!r} with arguments {arguments!r} waits for approval (request "
            f"{request_id}). Approve or deny it with `agentcast approvals approve "
            f"{request_id}` (or `deny`), then resume with `agentcast resume {run_id} "
            "<script>`")
        self.request_id = request_id
        self.tool = tool
        self.arguments = arguments
        self.run_id = run_id

    def __reduce__(self) -> Any:  # crosses from a Ray host intact
        return (type(self), (self.request_id, self.tool, self.arguments, self.run_id))


# --- errors for the model -------------------------------------------------------------
class ModelFacingError(AgentcastError):
    """An error whose text is shown to the model so that it can correct itself."""


class ToolInputError(ModelFacingError):
    """The model called an unknown tool or gave arguments that do not fit its schema."""


class ToolExecutionError(ModelFacingError):
    """The tool ran and failed; the model reads why."""


class ReplyFormatError(ModelFacingError, ValueError):
    """A reply could not be parsed or validated even after rule-based repair; the text is
    shown to the model when it is asked again (a ResponseParseError ends the re-asks)."""


class StalledError(RunError):
    """A wait on agents cannot finish. ``waits`` lists ``(agent, what it waits on)``."""

    def __init__(self, message: str, *, waits: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.waits = list(waits or [])


class DeadlockError(StalledError):
    """No progress is possible: agents wait on each other in a cycle, or on a placeholder
    that nothing will resolve."""


class WaitTimeoutError(StalledError, TimeoutError):
    """A bounded wait (placeholder read, ``settle``, ``wait_all``) passed its bound."""



class TagNotFoundError(ReplyFormatError):
    """A reply lacks a tag (a code fence, ``[SPEAK]``...) the parser needs; says which."""

    def __init__(self, message: str, *, raw_response: str = "", missing_begin_tag: bool = False,
                 missing_end_tag: bool = False) -> None:
        super().__init__(message)
        self.raw_response = raw_response
        self.missing_begin_tag = missing_begin_tag
        self.missing_end_tag = missing_end_tag


# --- warnings -------------------------------------------------------------------------
class AgentcastWarning(UserWarning):
    """A call did less than it was asked to and carried on; the text says what was skipped."""


def _keywords(cls: type, message: str, kwargs: dict[str, Any]) -> BaseException:
    """Unpickle an error whose constructor takes keyword-only fields."""
    err: BaseException = cls(message, **kwargs)
    return err
