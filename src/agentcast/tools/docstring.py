"""Docstring parsing: a function's summary and one description per argument.

Models choose tools and fill arguments from these descriptions, so the three common styles
(Google, NumPy, reST) are all read rather than forcing one on users.
"""

from __future__ import annotations

import inspect
import re

_GOOGLE_ARGS = re.compile(
    r"^(Args|Arguments|Parameters|Params|Keyword Args|Keyword Arguments|Kwargs|Other Parameters):\s*$"
)
_GOOGLE_SECTION = re.compile(r"^[A-Z][A-Za-z ]*:\s*$")
_GOOGLE_ENTRY = re.compile(r"^\*{0,2}(\w+)\s*(?:\(([^)]*)\))?\s*:\s*(.*)$")
_NUMPY_UNDERLINE = re.compile(r"^\s*-{3,}\s*$")
_NUMPY_ENTRY = re.compile(r"^\*{0,2}(\w+)(?:\s*,\s*\w+)*\s*(?::\s*(.*))?$")
_REST_PARAM = re.compile(r"^:(?:param|parameter|arg|argument|key|keyword)\s+(?:[^:]*\s)?(\w+)\s*:\s*(.*)$")
_REST_FIELD = re.compile(r"^:\w+")
_NUMPY_PARAM_HEADERS = {"Parameters", "Other Parameters", "Keyword Arguments", "Params"}


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def parse_docstring(doc: str | None) -> tuple[str, dict[str, str]]:
    """Return (summary, {argument: description}) from a Google, NumPy or reST docstring."""
    if not doc:
        return "", {}
    lines = inspect.cleandoc(doc).splitlines()
    params: dict[str, str] = {}
    summary: list[str] = []
    in_summary = True
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        # NumPy: a header underlined with dashes.
        if stripped and _NUMPY_UNDERLINE.match(nxt):
            in_summary = False
            if stripped in _NUMPY_PARAM_HEADERS:
                i = _numpy_params(lines, i + 2, params)
                continue
            i += 2
            continue
        # Google: "Args:" and an indented block.
        if _GOOGLE_ARGS.match(stripped):
            in_summary = False
            i = _google_params(lines, i + 1, _indent(line), params)
            continue
        if _GOOGLE_SECTION.match(stripped) and _indent(line) == 0:
            in_summary = False
        # reST field lists.
        m = _REST_PARAM.match(stripped)
        if m:
            in_summary = False
            name, words = m.group(1), [m.group(2).strip()]
            base = _indent(line)
            i += 1
            while i < len(lines) and lines[i].strip() and _indent(lines[i]) > base \
                    and not _REST_FIELD.match(lines[i].strip()):
                words.append(lines[i].strip())
                i += 1
            params[name] = " ".join(t for t in words if t)
            continue
        if _REST_FIELD.match(stripped):
            in_summary = False
        if in_summary:
            summary.append(stripped)
        i += 1
    text = "\n".join(summary).strip()
    text = re.sub(r"(?<!\n)\n(?!\n)", " ", text)  # unwrap lines, keep paragraph breaks
    return text, params


def _google_params(lines: list[str], i: int, base: int, params: dict[str, str]) -> int:
    entry_indent: int | None = None
    name: str | None = None
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        ind = _indent(line)
        if ind <= base:
            break
        if entry_indent is None:
            entry_indent = ind
        m = _GOOGLE_ENTRY.match(line.strip())
        if ind == entry_indent and m:
            name = m.group(1)
            params[name] = m.group(3).strip()
        elif name is not None:
            params[name] = (params[name] + " " + line.strip()).strip()
        i += 1
    return i


def _numpy_params(lines: list[str], i: int, params: dict[str, str]) -> int:
    name: str | None = None
    base = None
    while i < len(lines):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if line.strip() and _NUMPY_UNDERLINE.match(nxt):
            break  # next section
        if not line.strip():
            i += 1
            continue
        ind = _indent(line)
        if base is None:
            base = ind
        if ind == base:
            m = _NUMPY_ENTRY.match(line.strip())
            name = m.group(1) if m else None
            if name is not None:
                params[name] = ""
        elif name is not None:
            params[name] = (params[name] + " " + line.strip()).strip()
        i += 1
    return i


__all__ = ["parse_docstring"]
