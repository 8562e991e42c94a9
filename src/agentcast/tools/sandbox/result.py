"""The bounds on one sandboxed execution, and what happened in it."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from agentcast.exceptions import ConfigError

MB = 1024 * 1024


@dataclass
class SandboxLimits:
    """Bounds on one execution. ``None`` leaves an rlimit unset; the rest are always on."""

    timeout: float = 30.0  # wall clock, seconds
    cpu_seconds: int | None = 20
    memory_bytes: int | None = 1024 * MB  # address space
    file_size_bytes: int | None = 64 * MB  # one file
    max_processes: int | None = 64
    max_output_chars: int = 20_000  # per stream
    disk_bytes: int = 256 * MB  # everything in the workdir together (a tmpfs of this size)
    tmp_bytes: int = 64 * MB  # the private /tmp, and /dev/shm, each

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None and f.name in ("cpu_seconds", "memory_bytes", "file_size_bytes",
                                            "max_processes"):
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ConfigError(f"SandboxLimits.{f.name} must be a positive number, "
                                  f"got {value!r}", field=f.name)


@dataclass
class ExecutionResult:
    """What happened: output, exit code, and which sandbox mode ran it."""

    exit_code: int | None
    stdout: str
    stderr: str
    duration: float
    timed_out: bool = False
    killed_by: str | None = None  # "timeout", "cpu time limit", "signal N"
    truncated: bool = False
    isolation: str = "bwrap"  # the sandbox mode: "bwrap" or "rlimits-unsafe"
    warnings: list[str] = field(default_factory=list)
    workdir: str = ""

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out

    def summary(self) -> str:
        """Readable text for a model: output, errors and why the run stopped."""
        parts = []
        if self.stdout:
            parts.append(self.stdout.rstrip("\n"))
        if self.stderr:
            parts.append("[stderr]\n" + self.stderr.rstrip("\n"))
        if self.timed_out:
            parts.append("[stopped: wall-clock timeout]")
        elif self.killed_by:
            parts.append(f"[stopped: {self.killed_by}]")
        elif self.exit_code not in (0, None):
            parts.append(f"[exit code {self.exit_code}]")
        if self.truncated:
            parts.append("[output truncated]")
        return "\n".join(parts) if parts else "(no output)"


__all__ = ["ExecutionResult", "SandboxLimits"]
