"""Check or rewrite the package faces: each face's TYPE_CHECKING imports, ``_EXPORTS`` and
literal ``__all__`` list every public class and function of its modules (the rule
tests/public_face/test_typed_face.py checks). Existing entries keep their order; missing names
are appended, one line each.

    PYTHONPATH=src python scripts/package_faces.py          # report what is missing
    PYTHONPATH=src python scripts/package_faces.py --write  # add it (then: ruff check --fix)
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "agentcast"
FACES = ["agents", "durable", "memory", "models", "models.formatters", "multimodal", "observe", "patterns",
         "runtime", "studio", "testing", "tools", "tools.services"]


def public_defs(modname: str) -> list[str]:
    mod = importlib.import_module(modname)
    return [n for n, o in vars(mod).items() if not n.startswith("_")
            and (inspect.isclass(o) or inspect.isfunction(o))
            and getattr(o, "__module__", None) == modname]


def wanted(face: str) -> dict[str, str]:
    """name -> defining module: the face's current exports, then every missing definition."""
    pkgname = "agentcast." + face
    pkg = importlib.import_module(pkgname)
    exports: dict[str, str] = dict(getattr(pkg, "_EXPORTS", {}))
    for info in pkgutil.iter_modules(pkg.__path__, pkgname + "."):
        short = info.name.rsplit(".", 1)[1]
        if info.ispkg or short.startswith("_") or short == "cli" or short.endswith("_cli"):
            continue
        for name in public_defs(info.name):
            if name in exports and exports[name] != info.name:
                print(f"{pkgname}: {name} is defined in {exports[name]} and {info.name}")
                continue
            exports.setdefault(name, info.name)
    return exports


def render(face: str, exports: dict[str, str]) -> str:
    path = SRC.joinpath(*face.split("."), "__init__.py")
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")), clean=False)
    lines = [f'"""{doc or "agentcast." + face}"""', "", "from __future__ import annotations", "",
             "from typing import TYPE_CHECKING", "", "from agentcast._lazy import lazy_exports",
             "", "if TYPE_CHECKING:"]
    lines += [f"    from {m} import {n} as {n}" for n, m in exports.items()]
    lines += ["", "# public name -> module that defines it (one line each; keep the three lists "
              "in step)", "_EXPORTS: dict[str, str] = {"]
    lines += [f'    "{n}": "{m}",' for n, m in exports.items()]
    lines += ["}", "", "__all__ = ["] + [f'    "{n}",' for n in exports] + ["]", ""]
    lines += [f'__getattr__, __dir__ = lazy_exports("agentcast.{face}", globals(), _EXPORTS)', ""]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    write = "--write" in argv
    missing = 0
    for face in FACES:
        pkg = importlib.import_module("agentcast." + face)
        exports = wanted(face)
        new = [n for n in exports if n not in getattr(pkg, "__all__", [])]
        if new:
            missing += len(new)
            print(f"agentcast.{face}: missing {new}")
            if write:
                SRC.joinpath(*face.split("."), "__init__.py").write_text(
                    render(face, exports), encoding="utf-8")
    return 1 if missing and not write else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
