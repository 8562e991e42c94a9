"""Rule-based repair: messy model output to JSON without another model call.

Models wrap JSON in code fences and prose, use Python literals, single or typographic quotes,
trailing commas, comments, unquoted keys, and stop before the closing brackets. A strict parse
is tried first (the common, cheap case); then the text is cut down to its JSON-looking part and
read by a forgiving parser (:class:`_Relaxed`), which handles all of the above; ``json-repair``
(extra ``repair``) is the last resort when installed. The core needs no extra package.
"""

from __future__ import annotations

import json
import re
from typing import Any

from agentcast.exceptions import ReplyFormatError

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.S)
_QUOTES = {'"': '"', "'": "'", "\u201c": "\u201d", "\u2018": "\u2019", "\u201d": "\u201d",
           "\u201e": "\u201c", "`": "`"}
_WORDS: dict[str, Any] = {
    "true": True, "false": False, "null": None, "True": True, "False": False, "None": None,
    "undefined": None, "nil": None, "NaN": None, "Infinity": None, "yes": True, "no": False,
}
_MAX_CANDIDATES = 12

use_json_repair = True  # tests switch it off to prove the core rules suffice


def repair_json(text: str, *, expect: type | None = None) -> Any:
    """Recover the JSON value in ``text`` (``expect`` = dict or list to insist on a kind)."""
    stripped = text.strip()
    if stripped[:1] in "{[":
        try:
            value = json.loads(stripped)
        except ValueError:
            pass
        else:
            if _fits(value, expect):
                return value
    for candidate in _candidates(text):
        value = _relaxed(candidate)
        if value is not _FAIL and _fits(value, expect):
            return _unwrap(value, expect)
    if use_json_repair:
        value = _json_repair(text)
        if value is not _FAIL and _fits(value, expect) and value not in ("", [], {}):
            return value
    noun = "JSON object" if expect is dict else "JSON array" if expect is list else "JSON value"
    raise ReplyFormatError(
        f"no {noun} found in the reply; reply with one {noun} only, no prose around it"
    )


def _fits(value: Any, expect: type | None) -> bool:
    if expect is None:
        return True
    if isinstance(value, expect):
        return True
    return isinstance(value, str) and isinstance(_unwrap(value, expect), expect)


def _unwrap(value: Any, expect: type | None) -> Any:
    """JSON encoded twice (a string holding JSON) is decoded once more when a dict/list is due."""
    if expect is not None and isinstance(value, str):
        inner = _relaxed(value.strip())
        if isinstance(inner, expect):
            return inner
    return value


def _candidates(text: str) -> list[str]:
    """Substrings worth parsing, most likely first: fenced blocks, then from each '{' / '['."""
    out: list[str] = []
    for m in _FENCE.finditer(text):
        body = m.group(2).strip()
        if body:
            out.append(body)
    starts = [i for i, c in enumerate(text) if c == "{"][:_MAX_CANDIDATES]
    starts += [i for i, c in enumerate(text) if c == "["][:_MAX_CANDIDATES]
    out.extend(text[i:] for i in starts)
    stripped = text.strip()
    if stripped and stripped not in out:
        out.append(stripped)
    return out[: 3 * _MAX_CANDIDATES]


class _Fail(Exception):
    pass


_FAIL: Any = object()


def _relaxed(text: str) -> Any:
    try:
        parser = _Relaxed(text)
        value = parser.value()
    except (_Fail, RecursionError):
        return _FAIL
    return value


class _Relaxed:
    """A forgiving recursive-descent JSON reader. Stops after the first complete value."""

    __slots__ = ("i", "n", "s")

    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0
        self.n = len(text)

    # --- lexing helpers ----------------------------------------------------------------
    def skip(self) -> None:
        s, n = self.s, self.n
        while self.i < n:
            c = s[self.i]
            if c in " \t\r\n\ufeff\u00a0":
                self.i += 1
            elif s.startswith("//", self.i) or c == "#":
                end = s.find("\n", self.i)
                self.i = n if end < 0 else end + 1
            elif s.startswith("/*", self.i):
                end = s.find("*/", self.i + 2)
                self.i = n if end < 0 else end + 2
            else:
                return

    def peek(self) -> str:
        self.skip()
        return self.s[self.i] if self.i < self.n else ""

    # --- values --------------------------------------------------------------------------
    def value(self) -> Any:
        c = self.peek()
        if not c:
            raise _Fail
        if c == "{":
            return self.obj()
        if c == "[" or c == "(":
            return self.arr()
        if c in _QUOTES:
            return self.string()
        if c in "-+.0123456789":
            return self.number()
        word = self.word()
        if word in _WORDS:
            return _WORDS[word]
        raise _Fail

    def obj(self) -> dict[str, Any]:
        self.i += 1
        out: dict[str, Any] = {}
        while True:
            c = self.peek()
            if not c or c == "}":
                self.i += 1 if c else 0
                return out
            if c == ",":
                self.i += 1
                continue
            if c in "]":
                raise _Fail
            key = self.key()
            if self.peek() in (":", "="):
                self.i += 1
            else:
                raise _Fail
            c = self.peek()
            if not c or c in ",}":
                out[key] = None  # "key": with the value missing (cut off)
                continue
            out[key] = self.bare_or_value(",}\n")

    def arr(self) -> list[Any]:
        close = "]" if self.s[self.i] == "[" else ")"
        self.i += 1
        out: list[Any] = []
        while True:
            c = self.peek()
            if not c or c == close:
                self.i += 1 if c else 0
                return out
            if c == ",":
                self.i += 1
                continue
            if self.s.startswith("...", self.i) or c == "\u2026":
                self.i += 3 if c == "." else 1
                continue
            if c == "}":
                raise _Fail
            out.append(self.bare_or_value(",]\n" if close == "]" else ",)\n"))

    def key(self) -> str:
        c = self.peek()
        if c in _QUOTES:
            return self.string()
        start = self.i
        while self.i < self.n and self.s[self.i] not in ":=,{}[]\n":
            self.i += 1
        key = self.s[start:self.i].strip()
        if not key or not re.fullmatch(r"[\w$@.\- ]+", key):
            raise _Fail
        return key

    def bare_or_value(self, stops: str) -> Any:
        """A value, or an unquoted word run (``{"name": Alice}``) read as a string."""
        c = self.peek()
        if c in "{[(" or c in _QUOTES or c in "-+.0123456789":
            return self.value()
        start = self.i
        while self.i < self.n and self.s[self.i] not in stops and self.s[self.i] not in "}]":
            self.i += 1
        word = self.s[start:self.i].strip()
        if not word:
            raise _Fail
        return _WORDS[word] if word in _WORDS else word

    def word(self) -> str:
        start = self.i
        while self.i < self.n and (self.s[self.i].isalnum() or self.s[self.i] == "_"):
            self.i += 1
        return self.s[start:self.i]

    def number(self) -> Any:
        m = re.compile(r"[-+]?(0[xX][0-9a-fA-F]+|(\d[\d_]*)?\.?\d*([eE][-+]?\d+)?)").match(
            self.s, self.i
        )
        text = m.group(0) if m else ""
        if not text or text in "+-.":
            if self.s.startswith(("-Infinity", "+Infinity"), self.i):
                self.i += 9
                return None
            raise _Fail
        self.i += len(text)
        text = text.lstrip("+").replace("_", "")
        try:
            if text.lower().startswith(("0x", "-0x")):
                return int(text, 16)
            if any(ch in text for ch in ".eE"):
                return float(text if not text.endswith(".") else text + "0")
            return int(text)
        except ValueError as exc:
            raise _Fail from exc

    def string(self) -> str:
        s, n = self.s, self.n
        opener = s[self.i]
        closers = {_QUOTES[opener]} | ({"\u201d", "\u201c"} if opener in "\u201c\u201d\u201e"
                                       else {"\u2019", "\u2018"} if opener in "\u2018\u2019"
                                       else set())
        # Python triple quotes
        if s.startswith(opener * 3, self.i) and opener in "\"'":
            end = s.find(opener * 3, self.i + 3)
            body = s[self.i + 3 : n if end < 0 else end]
            self.i = n if end < 0 else end + 3
            return body
        self.i += 1
        out: list[str] = []
        while self.i < n:
            c = s[self.i]
            if c == "\\" and self.i + 1 < n:
                nxt = s[self.i + 1]
                if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", s[self.i + 2 : self.i + 6]):
                    out.append(chr(int(s[self.i + 2 : self.i + 6], 16)))
                    self.i += 6
                    continue
                out.append({"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}.get(nxt, nxt))
                self.i += 2
                continue
            if c in closers and self._ends_here():
                self.i += 1
                return "".join(out)
            out.append(c)
            self.i += 1
        return "".join(out)  # unterminated string at the end of a cut-off reply

    def _ends_here(self) -> bool:
        """A quote closes the string only if what follows fits, so ``it's`` and unescaped
        inner quotes (``"he said "hi""``) stay inside; a following quote means a lost comma."""
        j = self.i + 1
        while j < self.n and self.s[j] in " \t\r":
            j += 1
        return j >= self.n or self.s[j] in ",:}])#/\n=" or self.s[j] in _QUOTES


def _json_repair(text: str) -> Any:
    try:
        import json_repair
    except ImportError:
        return _FAIL
    try:
        return json_repair.loads(text)
    except Exception:
        return _FAIL


__all__ = ["repair_json"]
