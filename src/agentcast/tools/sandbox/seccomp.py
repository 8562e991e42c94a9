"""A small seccomp filter for the sandbox (bubblewrap's ``--seccomp``): no new user namespace.

Without it, code running as root's fresh uid could create its own user namespace and, as
"root" there, mount tmpfs of any size (around the disk quota) and reach kernel code normally
reserved to root. The filter answers EPERM to ``unshare``/``clone`` with ``CLONE_NEWUSER``,
ENOSYS to ``clone3`` (its flags are behind a pointer; libc falls back to ``clone``), EPERM to
a few syscalls that only widen the kernel's attack surface (keyrings, bpf, perf, userfaultfd,
io_uring), and EPERM to any other ABI (e.g. 32-bit calls on x86-64, which would bypass the
numbers below). Everything else is allowed.
"""

from __future__ import annotations

import errno
import platform
import struct
import tempfile
from typing import IO

from agentcast.exceptions import SandboxUnavailableError

CLONE_NEWUSER = 0x10000000
_LD_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
_JEQ = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_JSET = 0x45  # BPF_JMP | BPF_JSET | BPF_K
_JGE = 0x35  # BPF_JMP | BPF_JGE | BPF_K
_RET = 0x06  # BPF_RET | BPF_K
_X32_SYSCALL_BIT = 0x40000000
_ALLOW = 0x7FFF0000
_ERRNO = 0x00050000

# machine: (AUDIT_ARCH, {syscall: number})
_ARCHES = {
    "x86_64": (0xC000003E, {"unshare": 272, "clone": 56, "clone3": 435, "keyctl": 250,
                            "add_key": 248, "request_key": 249, "bpf": 321,
                            "perf_event_open": 298, "userfaultfd": 323,
                            "io_uring_setup": 425, "io_uring_enter": 426,
                            "io_uring_register": 427}),
    "aarch64": (0xC00000B7, {"unshare": 97, "clone": 220, "clone3": 435, "keyctl": 219,
                             "add_key": 217, "request_key": 218, "bpf": 280,
                             "perf_event_open": 241, "userfaultfd": 282,
                             "io_uring_setup": 425, "io_uring_enter": 426,
                             "io_uring_register": 427}),
}
_DENIED = ("keyctl", "add_key", "request_key", "bpf", "perf_event_open", "userfaultfd",
           "io_uring_setup", "io_uring_enter", "io_uring_register")


def open_program() -> IO[bytes]:
    """The filter in an unlinked temporary file, rewound: its fd goes to ``--seccomp``."""
    fh = tempfile.TemporaryFile()
    fh.write(program())
    fh.seek(0)
    return fh


def program(machine: str | None = None) -> bytes:
    """The filter as raw ``struct sock_filter`` records, for this machine's architecture."""
    machine = machine or platform.machine()
    if machine not in _ARCHES:
        raise SandboxUnavailableError(
            f"no seccomp filter for the {machine} architecture (x86_64 and aarch64 have one)")
    arch, nr = _ARCHES[machine]
    eperm, enosys = _ERRNO | errno.EPERM, _ERRNO | errno.ENOSYS
    # (code, jump-if-true label, jump-if-false label, k); labels resolve to offsets below
    ops: list[tuple[int, str | None, str | None, int]] = [
        (_LD_ABS, None, None, 4),  # seccomp_data.arch
        (_JEQ, None, "eperm", arch),
        (_LD_ABS, None, None, 0),  # seccomp_data.nr
        (_JGE, "eperm", None, _X32_SYSCALL_BIT),  # x32 calls: other numbers, same arch
        (_JEQ, "flags", None, nr["unshare"]),
        (_JEQ, "flags", None, nr["clone"]),
        (_JEQ, "enosys", None, nr["clone3"]),
        *[(_JEQ, "eperm", None, nr[name]) for name in _DENIED],
        (_RET, None, None, _ALLOW),
    ]
    labels = {"flags": len(ops)}
    ops += [(_LD_ABS, None, None, 16),  # args[0], low 32 bits (little-endian)
            (_JSET, "eperm", None, CLONE_NEWUSER),
            (_RET, None, None, _ALLOW)]
    labels["eperm"] = len(ops)
    ops.append((_RET, None, None, eperm))
    labels["enosys"] = len(ops)
    ops.append((_RET, None, None, enosys))
    out = bytearray()
    for i, (code, jt, jf, k) in enumerate(ops):
        t = labels[jt] - i - 1 if jt else 0
        f = labels[jf] - i - 1 if jf else 0
        out += struct.pack("=HBBI", code, t, f, k)
    return bytes(out)


__all__ = ["open_program", "program"]
