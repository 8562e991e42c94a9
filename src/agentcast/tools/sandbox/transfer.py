"""Moving the working directory into and out of the sandbox's size-limited tmpfs.

Inside the sandbox the workdir is a tmpfs of ``disk_bytes``: the total the code can write is
bounded by the kernel, whatever it writes. The host's copy is synced both ways as a tar of
regular files and directories only. The tar coming *out* was written by untrusted code, so it
is read with a byte cap, every name is checked (relative, no ``..``), only files and
directories are created, and nothing on the way is followed (``O_NOFOLLOW`` from directory
handles), so it cannot write outside the workdir.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tarfile
import tempfile
from typing import IO

from agentcast.exceptions import SandboxError

MAX_ENTRIES = 100_000


def workdir_size(workdir: str) -> int:
    return sum(size for _path, size in _regular_files(workdir))


def _regular_files(workdir: str) -> list[tuple[str, int]]:
    found = []
    for root, _dirs, files in os.walk(workdir):
        for name in files:
            with contextlib.suppress(OSError):
                path = os.path.join(root, name)
                st = os.lstat(path)
                if stat.S_ISREG(st.st_mode):
                    found.append((path, st.st_size))
    return found


def pack(workdir: str, limit: int, file_limit: int | None = None) -> IO[bytes]:
    """The workdir's regular files and directories as a tar in an unlinked temporary file
    (rewound). SandboxError if they hold more than ``limit`` bytes (the disk quota) or one
    is larger than ``file_limit`` (it could not be written inside)."""
    files = _regular_files(workdir)
    size = sum(n for _path, n in files)
    if size > limit:
        raise SandboxError(f"the working directory {workdir} holds {size} bytes, more than "
                           f"the sandbox disk quota (disk_bytes={limit})")
    for path, n in files:
        if file_limit is not None and n > file_limit:
            raise SandboxError(f"{path} has {n} bytes, more than one sandboxed file may have "
                               f"(file_size_bytes={file_limit})")
    out = tempfile.TemporaryFile()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for root, dirs, names in os.walk(workdir):
            for name in sorted(dirs) + sorted(names):
                path = os.path.join(root, name)
                st = os.lstat(path)
                if stat.S_ISDIR(st.st_mode) or stat.S_ISREG(st.st_mode):
                    tar.add(path, arcname=os.path.relpath(path, workdir), recursive=False)
    out.seek(0)
    return out


def _check_name(name: str) -> list[str]:
    parts = name.split("/")
    if (not name or name.startswith("/") or "\0" in name
            or any(p in ("", ".", "..") for p in parts)):
        raise SandboxError(f"the sandbox returned a bad path in its workdir: {name[:200]!r}")
    return parts


def _clear(workdir: str) -> None:
    for entry in os.scandir(workdir):
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path)  # fd-based on Linux; does not follow links
        else:
            os.unlink(entry.path)


def _open_dir(root_fd: int, parts: list[str], create: bool) -> int:
    """A handle on ``parts`` below ``root_fd``, never following a link."""
    fd = os.dup(root_fd)
    try:
        for part in parts:
            if create:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(part, 0o755, dir_fd=fd)
            nxt = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = nxt
    except BaseException:
        os.close(fd)
        raise
    return fd


def unpack(stream: IO[bytes], workdir: str, limit: int) -> None:
    """Replace the workdir's contents with the tar in ``stream`` (already size-capped by the
    reader). Everything is checked before the workdir is touched."""
    with tarfile.open(fileobj=stream, mode="r:") as tar:
        members = tar.getmembers()
        if len(members) > MAX_ENTRIES:
            raise SandboxError(f"the sandbox left more than {MAX_ENTRIES} entries in its workdir")
        total = 0
        for m in members:
            _check_name(m.name)
            if not (m.isfile() or m.isdir()):
                raise SandboxError(f"the sandbox returned a non-regular entry {m.name[:200]!r}")
            total += m.size
        if total > limit:
            raise SandboxError(f"the sandbox returned {total} bytes, more than its quota")
        _clear(workdir)
        root = os.open(workdir, os.O_RDONLY | os.O_DIRECTORY)
        try:
            for m in members:
                parts = _check_name(m.name)
                if m.isdir():
                    os.close(_open_dir(root, parts, create=True))
                    continue
                parent = _open_dir(root, parts[:-1], create=True)
                try:
                    mode = 0o755 if m.mode & 0o111 else 0o644
                    fd = os.open(parts[-1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW,
                                 mode, dir_fd=parent)
                    src = tar.extractfile(m)
                    with os.fdopen(fd, "wb") as out:
                        if src is not None:
                            shutil.copyfileobj(src, out, 1 << 20)
                finally:
                    os.close(parent)
        finally:
            os.close(root)


__all__ = ["pack", "unpack", "workdir_size"]
