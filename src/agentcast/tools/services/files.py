"""File operations confined to one workspace directory.

Every path from the model is resolved (symlinks included) and refused unless it stays inside
the workspace; files are opened with O_NOFOLLOW so a symlink swapped in after the check is
not followed either. Bind the workspace with a preset: ``toolkit.add(read_text_file,
workspace="/path")`` or ``add_file_tools(toolkit, "/path")``.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Annotated, Any

from agentcast.exceptions import ToolExecutionError
from agentcast.tools.response import ToolResponse
from agentcast.tools.schema import Hidden

Workspace = Annotated[str, Hidden]
MAX_READ_CHARS = 200_000


def resolve_in_workspace(workspace: str, path: str) -> Path:
    """The real path of ``path`` inside ``workspace``; ToolExecutionError if it escapes."""
    if not workspace:
        raise ToolExecutionError("no workspace directory is configured for file tools")
    root = Path(workspace).resolve()
    raw = Path(path)
    if raw.is_absolute():
        try:  # an absolute path is fine only if it is already inside the workspace
            raw = raw.resolve().relative_to(root)
        except ValueError:
            raise ToolExecutionError(
                f"path {path!r} is outside the workspace; use a path relative to it"
            ) from None
    target = (root / raw).resolve()
    if target != root and root not in target.parents:
        raise ToolExecutionError(
            f"path {path!r} leaves the workspace (through '..' or a symlink); refused"
        )
    return target


def _rel(workspace: str, target: Path) -> str:
    return str(target.relative_to(Path(workspace).resolve())) or "."


def _open(target: Path, flags: int) -> int:
    try:
        return os.open(target, flags | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0), 0o644)
    except OSError as exc:
        if exc.errno == 40:  # ELOOP: the final component is a symlink
            raise ToolExecutionError(f"{target.name!r} is a symlink; refused") from exc
        raise


def _write(target: Path, text: str, *, append: bool = False, exclusive: bool = False) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
    if exclusive:
        flags |= os.O_EXCL
    fd = _open(target, flags)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)


def _read(target: Path) -> str:
    fd = _open(target, os.O_RDONLY)
    with os.fdopen(fd, encoding="utf-8", errors="replace") as fh:
        return fh.read(MAX_READ_CHARS + 1)


def create_file(path: str, content: str = "", workspace: Workspace = "") -> ToolResponse:
    """Create a new text file; fails if it already exists.

    Args:
        path: File path relative to the workspace.
        content: Initial text content.
    """
    target = resolve_in_workspace(workspace, path)
    if target.exists():
        return ToolResponse.error(f"{path!r} already exists")
    _write(target, content, exclusive=True)
    return ToolResponse.success(f"created {_rel(workspace, target)}")


def read_text_file(path: str, workspace: Workspace = "") -> ToolResponse:
    """Read a text file.

    Args:
        path: File path relative to the workspace.
    """
    target = resolve_in_workspace(workspace, path)
    if not target.is_file():
        return ToolResponse.error(f"{path!r} is not a file")
    text = _read(target)
    if len(text) > MAX_READ_CHARS:
        text = text[:MAX_READ_CHARS] + "\n... [truncated]"
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
    target = resolve_in_workspace(workspace, path)
    _write(target, content, append=append)
    return ToolResponse.success(f"wrote {len(content)} characters to {_rel(workspace, target)}")


def read_json_file(path: str, workspace: Workspace = "") -> ToolResponse:
    """Read and parse a JSON file.

    Args:
        path: File path relative to the workspace.
    """
    target = resolve_in_workspace(workspace, path)
    try:
        return ToolResponse.success(json.loads(_read(target)))
    except ValueError as exc:
        return ToolResponse.error(f"{path!r} is not valid JSON: {exc}")


def write_json_file(path: str, data: Any, workspace: Workspace = "") -> ToolResponse:
    """Write a JSON value to a file.

    Args:
        path: File path relative to the workspace.
        data: The JSON value to store.
    """
    target = resolve_in_workspace(workspace, path)
    _write(target, json.dumps(data, ensure_ascii=False, indent=2))
    return ToolResponse.success(f"wrote {_rel(workspace, target)}")


def delete_file(path: str, workspace: Workspace = "") -> ToolResponse:
    """Delete a file (or an empty directory).

    Args:
        path: Path relative to the workspace.
    """
    target = resolve_in_workspace(workspace, path)
    link = Path(workspace).resolve() / path
    if link.is_symlink():  # delete the link itself, never its target
        link.unlink()
        return ToolResponse.success(f"deleted link {path}")
    if target == Path(workspace).resolve():
        return ToolResponse.error("refusing to delete the workspace itself")
    if target.is_dir():
        target.rmdir()
    elif target.exists():
        target.unlink()
    else:
        return ToolResponse.error(f"{path!r} does not exist")
    return ToolResponse.success(f"deleted {_rel(workspace, target)}")


def move_file(source: str, destination: str, workspace: Workspace = "") -> ToolResponse:
    """Move or rename a file or directory inside the workspace.

    Args:
        source: Existing path relative to the workspace.
        destination: New path relative to the workspace.
    """
    src = resolve_in_workspace(workspace, source)
    dst = resolve_in_workspace(workspace, destination)
    if not src.exists():
        return ToolResponse.error(f"{source!r} does not exist")
    if dst.exists():
        return ToolResponse.error(f"{destination!r} already exists")
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(src), str(dst))
    return ToolResponse.success(f"moved {_rel(workspace, src)} to {_rel(workspace, dst)}")


def create_directory(path: str, workspace: Workspace = "") -> ToolResponse:
    """Create a directory (and its parents).

    Args:
        path: Directory path relative to the workspace.
    """
    target = resolve_in_workspace(workspace, path)
    target.mkdir(parents=True, exist_ok=True)
    return ToolResponse.success(f"created directory {_rel(workspace, target)}")


def list_directory(path: str = ".", workspace: Workspace = "") -> ToolResponse:
    """List a directory: names, with a trailing '/' for directories.

    Args:
        path: Directory path relative to the workspace.
    """
    target = resolve_in_workspace(workspace, path)
    if not target.is_dir():
        return ToolResponse.error(f"{path!r} is not a directory")
    names = sorted(p.name + ("/" if p.is_dir() and not p.is_symlink() else "")
                   for p in target.iterdir())
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
    "FILE_TOOLS", "add_file_tools", "create_directory", "create_file", "delete_file",
    "list_directory", "move_file", "read_json_file", "read_text_file", "resolve_in_workspace",
    "write_json_file", "write_text_file",
]
