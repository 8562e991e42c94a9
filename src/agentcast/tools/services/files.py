"""File operations confined to one workspace directory.

Paths are never handed to the kernel whole. A path from the model is split into components
lexically (``..`` may not climb above the workspace, an absolute path must lie inside it),
then opened one component at a time from a directory handle of the workspace with
``O_NOFOLLOW``: no symbolic link is ever followed, so a directory swapped for a link
between two calls (or during one) cannot lead outside. The file itself must be a regular
file with a single link (a hard link to a file outside the workspace would otherwise be
read and overwritten), is opened non-blocking (a FIFO cannot hang a tool) and every read is
capped (``MAX_READ_BYTES``). Bind the workspace with a preset: ``toolkit.add(read_text_file,
workspace="/path")`` or ``add_file_tools(toolkit, "/path")``.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Annotated, Any

from agentcast.exceptions import ToolExecutionError
from agentcast.tools.response import ToolResponse
from agentcast.tools.schema import Hidden

Workspace = Annotated[str, Hidden]
MAX_READ_CHARS = 200_000  # text shown to the model from one file
MAX_READ_BYTES = 4 * MAX_READ_CHARS  # bytes read from one file (UTF-8: at most 4 per char)
MAX_JSON_BYTES = 10 * 1024 * 1024  # a JSON file must be parsed whole; larger ones are refused

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | _CLOEXEC
_FILE_FLAGS = os.O_NOFOLLOW | os.O_NONBLOCK | _CLOEXEC


def _root(workspace: str) -> Path:
    if not workspace:
        raise ToolExecutionError("no workspace directory is configured for file tools")
    return Path(workspace).resolve()


def workspace_parts(workspace: str, path: str) -> list[str]:
    """The components of ``path`` below the workspace, normalised lexically (no link is
    looked at); ToolExecutionError if ``..`` climbs out or an absolute path is elsewhere."""
    root = _root(workspace)
    raw = PurePosixPath(path)
    if raw.is_absolute():
        try:  # an absolute path is fine only if it names something inside the workspace
            raw = PurePosixPath(os.path.normpath(raw)).relative_to(root)
        except ValueError:
            raise ToolExecutionError(
                f"path {path!r} is outside the workspace; use a path relative to it"
            ) from None
    parts: list[str] = []
    for part in raw.parts:
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                raise ToolExecutionError(f"path {path!r} leaves the workspace through '..'; "
                                         "refused")
            parts.pop()
        else:
            parts.append(part)
    return parts


def resolve_in_workspace(workspace: str, path: str) -> Path:
    """The path inside ``workspace`` that ``path`` names (lexically; the tools then open it
    component by component without following links); ToolExecutionError if it escapes."""
    return _root(workspace).joinpath(*workspace_parts(workspace, path))


def _is_link(name: str, dir_fd: int) -> bool:
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
    except OSError:
        return False


def _open_dir(name: str, dir_fd: int, shown: str, *, create: bool = False) -> int:
    """Open the directory ``name`` under ``dir_fd`` without following a link."""
    try:
        return os.open(name, _DIR_FLAGS, dir_fd=dir_fd)
    except FileNotFoundError:
        if not create:
            raise ToolExecutionError(f"{shown!r} does not exist") from None
        try:
            os.mkdir(name, 0o755, dir_fd=dir_fd)
        except FileExistsError:
            pass
        return _open_dir(name, dir_fd, shown)
    except OSError as exc:
        if _is_link(name, dir_fd) or exc.errno == errno.ELOOP:
            raise ToolExecutionError(
                f"{shown!r} is a symbolic link; file tools do not follow links; refused"
            ) from None
        if exc.errno == errno.ENOTDIR:
            raise ToolExecutionError(f"{shown!r} is not a directory") from None
        raise


@contextmanager
def _directory(workspace: str, parts: list[str], *, create: bool = False) -> Iterator[int]:
    """A handle on the directory ``parts`` names, reached from the workspace handle one
    component at a time (created when ``create``); closed on exit."""
    fd = os.open(_root(workspace), os.O_RDONLY | os.O_DIRECTORY | _CLOEXEC)
    try:
        for i, name in enumerate(parts):
            nfd = _open_dir(name, fd, "/".join(parts[: i + 1]), create=create)
            os.close(fd)
            fd = nfd
        yield fd
    finally:
        os.close(fd)


@contextmanager
def _parent(workspace: str, path: str, *, create: bool = False) -> Iterator[tuple[int, str]]:
    """(handle of the parent directory, final name) of a path that names a file."""
    parts = workspace_parts(workspace, path)
    if not parts:
        raise ToolExecutionError(f"{path!r} is the workspace itself, not a file")
    with _directory(workspace, parts[:-1], create=create) as fd:
        yield fd, parts[-1]


def _open_file(dir_fd: int, name: str, flags: int, shown: str) -> int:
    """Open a regular, singly linked file; anything else is refused before a byte moves."""
    try:
        fd = os.open(name, flags | _FILE_FLAGS, 0o644, dir_fd=dir_fd)
    except FileNotFoundError:
        raise ToolExecutionError(f"{shown!r} does not exist") from None
    except FileExistsError:
        raise ToolExecutionError(f"{shown!r} already exists") from None
    except IsADirectoryError:
        raise ToolExecutionError(f"{shown!r} is a directory, not a file") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP or _is_link(name, dir_fd):
            raise ToolExecutionError(
                f"{shown!r} is a symbolic link; file tools do not follow links; refused"
            ) from None
        if exc.errno == errno.ENXIO:  # a FIFO without a reader, opened for writing
            raise ToolExecutionError(f"{shown!r} is not a regular file; refused") from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ToolExecutionError(f"{shown!r} is not a regular file (a FIFO, device or "
                                     "socket); refused")
        if st.st_nlink > 1:
            raise ToolExecutionError(f"{shown!r} has {st.st_nlink} hard links (one may lie "
                                     "outside the workspace); refused")
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _read_bytes(workspace: str, path: str, limit: int) -> tuple[bytes, int]:
    """At most ``limit`` bytes of a file, and its size."""
    with _parent(workspace, path) as (dir_fd, name):
        fd = _open_file(dir_fd, name, os.O_RDONLY, path)
    try:
        size = os.fstat(fd).st_size
        chunks: list[bytes] = []
        got = 0
        while got < limit:
            chunk = os.read(fd, min(1 << 16, limit - got))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks), size
    finally:
        os.close(fd)


def _write(workspace: str, path: str, text: str, *, append: bool = False,
           exclusive: bool = False) -> None:
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else 0)
    if exclusive:
        flags |= os.O_EXCL
    with _parent(workspace, path, create=True) as (dir_fd, name):
        fd = _open_file(dir_fd, name, flags, path)
    # truncate only after the checks: O_TRUNC would empty a hard-linked file before them
    try:
        if not append:
            os.ftruncate(fd, 0)
        data = text.encode("utf-8")
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def _rel(workspace: str, path: str) -> str:
    return "/".join(workspace_parts(workspace, path)) or "."


def create_file(path: str, content: str = "", workspace: Workspace = "") -> ToolResponse:
    """Create a new text file; fails if it already exists.

    Args:
        path: File path relative to the workspace.
        content: Initial text content.
    """
    try:
        _write(workspace, path, content, exclusive=True)
    except ToolExecutionError as exc:
        if "already exists" in str(exc):
            return ToolResponse.error(f"{path!r} already exists")
        raise
    return ToolResponse.success(f"created {_rel(workspace, path)}")


def read_text_file(path: str, workspace: Workspace = "") -> ToolResponse:
    """Read a text file.

    Args:
        path: File path relative to the workspace.
    """
    data, size = _read_bytes(workspace, path, MAX_READ_BYTES)
    text = data.decode("utf-8", errors="replace")
    if len(text) > MAX_READ_CHARS or size > len(data):
        text = (text[:MAX_READ_CHARS] + f"\n... [truncated: the file has {size} bytes; "
                f"only the first {MAX_READ_CHARS} characters are shown]")
    return ToolResponse.success(text)


def write_text_file(
    path: str, content: str, append: bool = False, workspace: Workspace = ""
) -> ToolResponse:
    """Write text to a file, replacing it (or appending), creating folders as needed.

    Args:
        path: File path relative to the workspace.
        content: The text to write.
        append: Append instead of overwriting.
    """
    _write(workspace, path, content, append=append)
    return ToolResponse.success(f"wrote {len(content)} characters to {_rel(workspace, path)}")


def read_json_file(path: str, workspace: Workspace = "") -> ToolResponse:
    """Read and parse a JSON file.

    Args:
        path: File path relative to the workspace.
    """
    data, size = _read_bytes(workspace, path, MAX_JSON_BYTES + 1)
    if size > MAX_JSON_BYTES or len(data) > MAX_JSON_BYTES:
        return ToolResponse.error(f"{path!r} is too large to parse ({size} bytes; the limit is "
                                  f"{MAX_JSON_BYTES}); read it with read_text_file instead")
    try:
        return ToolResponse.success(json.loads(data.decode("utf-8", errors="replace")))
    except ValueError as exc:
        return ToolResponse.error(f"{path!r} is not valid JSON: {exc}")


def write_json_file(path: str, data: Any, workspace: Workspace = "") -> ToolResponse:
    """Write a JSON value to a file.

    Args:
        path: File path relative to the workspace.
        data: The JSON value to store.
    """
    _write(workspace, path, json.dumps(data, ensure_ascii=False, indent=2))
    return ToolResponse.success(f"wrote {_rel(workspace, path)}")


def delete_file(path: str, workspace: Workspace = "") -> ToolResponse:
    """Delete a file (or an empty directory).

    Args:
        path: Path relative to the workspace.
    """
    if not workspace_parts(workspace, path):
        return ToolResponse.error("refusing to delete the workspace itself")
    with _parent(workspace, path) as (dir_fd, name):
        try:
            st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        except FileNotFoundError:
            return ToolResponse.error(f"{path!r} does not exist")
        if stat.S_ISLNK(st.st_mode):  # delete the link itself, never its target
            os.unlink(name, dir_fd=dir_fd)
            return ToolResponse.success(f"deleted link {_rel(workspace, path)}")
        if stat.S_ISDIR(st.st_mode):
            os.rmdir(name, dir_fd=dir_fd)
        else:
            os.unlink(name, dir_fd=dir_fd)
    return ToolResponse.success(f"deleted {_rel(workspace, path)}")


def move_file(source: str, destination: str, workspace: Workspace = "") -> ToolResponse:
    """Move or rename a file or directory inside the workspace.

    Args:
        source: Existing path relative to the workspace.
        destination: New path relative to the workspace.
    """
    with _parent(workspace, source) as (src_fd, src_name), \
            _parent(workspace, destination, create=True) as (dst_fd, dst_name):
        try:
            os.stat(src_name, dir_fd=src_fd, follow_symlinks=False)
        except FileNotFoundError:
            return ToolResponse.error(f"{source!r} does not exist")
        try:
            os.stat(dst_name, dir_fd=dst_fd, follow_symlinks=False)
            return ToolResponse.error(f"{destination!r} already exists")
        except FileNotFoundError:
            pass
        os.rename(src_name, dst_name, src_dir_fd=src_fd, dst_dir_fd=dst_fd)
    return ToolResponse.success(
        f"moved {_rel(workspace, source)} to {_rel(workspace, destination)}")


def create_directory(path: str, workspace: Workspace = "") -> ToolResponse:
    """Create a directory (and its parents).

    Args:
        path: Directory path relative to the workspace.
    """
    with _directory(workspace, workspace_parts(workspace, path), create=True):
        pass
    return ToolResponse.success(f"created directory {_rel(workspace, path)}")


def list_directory(path: str = ".", workspace: Workspace = "") -> ToolResponse:
    """List a directory: names, with a trailing '/' for directories.

    Args:
        path: Directory path relative to the workspace.
    """
    with _directory(workspace, workspace_parts(workspace, path)) as fd:
        with os.scandir(fd) as entries:
            names = sorted(e.name + ("/" if e.is_dir(follow_symlinks=False) else "")
                           for e in entries)
    return ToolResponse.success(names)


FILE_TOOLS = (create_file, read_text_file, write_text_file, read_json_file, write_json_file,
              delete_file, move_file, create_directory, list_directory)


def add_file_tools(toolkit: Any, workspace: str | os.PathLike[str], *, group: str = "basic") -> None:
    """Register every file tool on ``toolkit``, bound to ``workspace``."""
    root = str(Path(workspace).resolve())
    Path(root).mkdir(parents=True, exist_ok=True)
    for func in FILE_TOOLS:
        toolkit.add_tool(func, group=group, preset={"workspace": root})


__all__ = [
    "FILE_TOOLS", "MAX_JSON_BYTES", "MAX_READ_BYTES", "MAX_READ_CHARS", "add_file_tools",
    "create_directory", "create_file", "delete_file", "list_directory", "move_file",
    "read_json_file", "read_text_file", "resolve_in_workspace", "workspace_parts",
    "write_json_file", "write_text_file",
]
