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


MAX_DEPTH = 64


def _check_name(name: str) -> list[str]:
    parts = name.split("/")
    if (not name or name.startswith("/") or "\0" in name or len(parts) > MAX_DEPTH
            or any(p in ("", ".", "..") for p in parts)):
        raise SandboxError(f"the sandbox returned a bad path in its workdir: {name[:200]!r}")
    return parts


def _prune(dir_fd: int, prefix: str, keep: set[str]) -> None:
    """Remove the regular files, and then empty directories, that the sandbox did not return
    (the code deleted them). Links and special files (never copied in) are left alone."""
    for entry in list(os.scandir(dir_fd)):
        rel = prefix + entry.name
        if entry.is_dir(follow_symlinks=False):
            fd = os.open(entry.name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dir_fd)
            try:
                _prune(fd, rel + "/", keep)
            finally:
                os.close(fd)
            if rel not in keep:
                with contextlib.suppress(OSError):  # not empty: it holds a link we keep
                    os.rmdir(entry.name, dir_fd=dir_fd)
        elif entry.is_file(follow_symlinks=False) and rel not in keep:
            os.unlink(entry.name, dir_fd=dir_fd)


def _remove_non_dir(name: str, dir_fd: int) -> None:
    with contextlib.suppress(FileNotFoundError):
        if stat.S_ISDIR(os.lstat(name, dir_fd=dir_fd).st_mode):
            raise SandboxError(f"cannot replace the directory {name!r} by a file")
        os.unlink(name, dir_fd=dir_fd)


def _open_dir(root_fd: int, parts: list[str]) -> int:
    """A handle on ``parts`` below ``root_fd``, made where missing, never following a link
    (a link in the way is replaced by a directory)."""
    fd = os.dup(root_fd)
    try:
        for part in parts:
            try:
                st = os.lstat(part, dir_fd=fd)
            except FileNotFoundError:
                st = None
            if st is not None and not stat.S_ISDIR(st.st_mode):
                os.unlink(part, dir_fd=fd)
                st = None
            if st is None:
                os.mkdir(part, 0o755, dir_fd=fd)
            nxt = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = nxt
    except BaseException:
        os.close(fd)
        raise
    return fd


def unpack(stream: IO[bytes], workdir: str, limit: int) -> None:
    """Make the workdir hold what the tar in ``stream`` (already size-capped by the reader)
    holds: files written, files the code deleted removed; links and special files of the
    host's copy, which the code never saw, are left alone unless a returned entry takes their
    name. Every file is written fresh (unlink, then create): never through a link, hard or
    symbolic. Everything is checked before the workdir is touched."""
    with tarfile.open(fileobj=stream, mode="r:") as tar:
        members = tar.getmembers()
        if len(members) > MAX_ENTRIES:
            raise SandboxError(f"the sandbox left more than {MAX_ENTRIES} entries in its workdir")
        total = 0
        keep: set[str] = set()
        for m in members:
            parts = _check_name(m.name)
            if not (m.isfile() or m.isdir()):
                raise SandboxError(f"the sandbox returned a non-regular entry {m.name[:200]!r}")
            total += m.size
            keep.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))
        if total > limit:
            raise SandboxError(f"the sandbox returned {total} bytes, more than its quota")
        root = os.open(workdir, os.O_RDONLY | os.O_DIRECTORY)
        try:
            _prune(root, "", keep)
            for m in members:
                parts = _check_name(m.name)
                if m.isdir():
                    os.close(_open_dir(root, parts))
                    continue
                parent = _open_dir(root, parts[:-1])
                try:
                    _remove_non_dir(parts[-1], parent)
                    mode = 0o755 if m.mode & 0o111 else 0o644
                    fd = os.open(parts[-1], os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW,
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
