"""Every error agentcast raises, in one tree.

Three branches, because three different people must act on them::

    AgentcastError
    ├── UsageError                developer mistakes: fix the code or the config
    │   ├── ConfigError               (ValueError) a bad model/agent config; names the field
    │   │   └── UnknownModelTypeError     lists the known model types
    │   ├── InvalidMessageError       (ValueError) a malformed Msg / wire dict; names the field
    │   ├── MissingExtraError         (ImportError) names the extra to install
    │   └── PlaceholderReadError      (RuntimeError) reading an unresolved placeholder on the loop
    ├── RunError                  run failures: something broke while the workflow ran
    │   ├── AgentCallError            a reply raised; the original is kept as __cause__
    │   ├── ModelError                a model call failed for good
    │   │   ├── TransientModelError       429 / 5xx / timeout / reset (retried first)
    │   │   │   └── RetriesExhaustedError     still failing after the retry policy gave up
    │   │   ├── UnresolvableModelError    401/403, unknown model, quota: never retried
    │   │   └── ResponseParseError        output still unusable after repair and re-asks
    │   ├── BudgetExceeded            a call refused because it would pass a budget
    │   ├── SandboxError              the code sandbox could not run the code at all
    │   ├── DistributedError          remote agent died / timed out / unreachable; names it
    │   │   ├── AgentDiedError            its process died and recovery failed
    │   │   ├── DistributedTimeoutError   (TimeoutError) a remote call outlived its timeout
    │   │   └── ReplyDecodeError          a remote reply is not a valid Msg; names the field
    │   └── TerminationError          a loop hit its cap where that is an error
    └── ModelFacingError          errors the *model* should read and correct
        ├── ToolInputError            bad tool name or arguments
        ├── ToolExecutionError        the tool ran and failed
        └── ReplyFormatError          (ValueError) a reply is not the JSON/shape asked for
"""

from __future__ import annotations


class AgentcastError(Exception):
    """Root of every agentcast error."""


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


class PlaceholderReadError(UsageError, RuntimeError):
    """An unresolved placeholder was read where blocking would stall the event loop."""


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


class ResponseParseError(ModelError):
    """The model's output could not be parsed even after repair and re-asking."""

    def __init__(self, message: str, *, model: str = "", raw: str = "") -> None:
        super().__init__(message, model=model)
        self.raw = raw


class BudgetExceeded(RunError):
    """A call was refused because it would exceed a token or dollar budget."""


class SandboxError(RunError):
    """The sandbox itself could not run the code (not: the code failed)."""


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
