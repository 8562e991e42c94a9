"""What a sandbox may see of the host: an allow-list, never ``/`` minus a deny-list.

Read-only: the interpreter's own directories (wherever it lives: /usr, /opt, /home, /root or
a venv under /tmp), the system's programs and shared libraries (/usr/bin, /usr/lib, ...),
the loader cache, and whatever the developer names in ``expose``. Nothing else: no /etc
(except ``ld.so.cache``), no /home, /root, /var, /run, /srv, /opt, no host /tmp.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable

from agentcast.exceptions import ConfigError

BWRAP = "bwrap"
RLIMITS_UNSAFE = "rlimits-unsafe"
MODES = (BWRAP, RLIMITS_UNSAFE)

# System software every program needs; bound read-only where present.
SYSTEM_DIRS = ("/usr/bin", "/usr/sbin", "/usr/lib", "/usr/lib32", "/usr/lib64", "/usr/libx32",
               "/usr/libexec", "/usr/share/zoneinfo")
# Top-level dirs that are symlinks into /usr on merged-usr systems (copied as symlinks).
TOP_LEVEL = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
SYSTEM_FILES = ("/etc/ld.so.cache",)
# Exposing one of these whole would expose the host (secrets, sockets, other users' files).
TOO_BROAD = frozenset({"/", "/etc", "/home", "/root", "/var", "/run", "/tmp", "/proc", "/sys",
                       "/dev", "/boot", "/srv", "/opt", "/mnt", "/media", "/usr"})


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise ConfigError(f"sandbox mode {mode!r} is unknown; use {BWRAP!r} (the default, "
                          f"isolated) or, knowingly, {RLIMITS_UNSAFE!r}", field="mode")
    return mode


def interpreter_dirs(executable: str | None = None) -> list[str]:
    """The directories the interpreter needs: prefixes (venv and base), the directory of the
    real executable's installation. Raises ConfigError if one is too broad to expose."""
    exe = executable or sys.executable
    real = os.path.realpath(exe)
    candidates = {os.path.dirname(os.path.dirname(os.path.abspath(exe))),
                  os.path.dirname(os.path.dirname(real))}
    if executable is None:
        candidates |= {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    out = []
    for path in sorted(candidates):
        path = os.path.realpath(path)
        if path == "/usr" or (path.startswith("/usr/") and not path.startswith("/usr/local")):
            continue  # a system Python: /usr/bin and /usr/lib are bound anyway
        if path in TOO_BROAD:
            raise ConfigError(f"the interpreter's directory {path} would expose too much of "
                              "the host; use a Python installed in its own prefix or a venv",
                              field="executable")
        if os.path.isdir(path):
            out.append(path)
    return minimal(out)


def minimal(paths: Iterable[str]) -> list[str]:
    """Drop paths already inside another path of the list."""
    result: list[str] = []
    for path in sorted(set(paths)):
        if not any(path == p or path.startswith(p.rstrip("/") + "/") for p in result):
            result.append(path)
    return result


def check_exposed(paths: Iterable[str]) -> list[str]:
    """Developer-named extra read-only paths: absolute, existing, not a whole host area."""
    out = []
    for raw in paths:
        path = os.path.realpath(raw)
        if not os.path.isabs(raw) or not os.path.exists(path):
            raise ConfigError(f"expose: {raw!r} must be an existing absolute path",
                              field="expose")
        if path in TOO_BROAD:
            raise ConfigError(f"expose: {raw!r} would expose a whole host area; name the "
                              "directory the code needs", field="expose")
        out.append(path)
    return out


def system_mounts() -> list[tuple[str, str, str]]:
    """(bubblewrap option, source, destination) for the system software, read-only."""
    out: list[tuple[str, str, str]] = []
    for d in SYSTEM_DIRS:
        if os.path.isdir(d) and not os.path.islink(d):
            out.append(("--ro-bind", d, d))
    for d in TOP_LEVEL:
        if os.path.islink(d):
            out.append(("--symlink", os.readlink(d), d))
        elif os.path.isdir(d):
            out.append(("--ro-bind", d, d))
    for f in SYSTEM_FILES:
        if os.path.isfile(f):
            out.append(("--ro-bind", f, f))
    return out


__all__ = ["BWRAP", "MODES", "RLIMITS_UNSAFE", "check_exposed", "check_mode",
           "interpreter_dirs", "system_mounts"]
