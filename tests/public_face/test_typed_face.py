"""The public face is typed: type checkers see every public name with its real type, the
three lists of each face agree, no submodule can shadow a public name, and every package
face exports the public classes and functions of its modules."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import agentcast

SRC = Path(agentcast.__file__).parent
FACES = ["agentcast", "agentcast.agents", "agentcast.durable", "agentcast.memory", "agentcast.models",
         "agentcast.models.formatters", "agentcast.multimodal", "agentcast.observe",
         "agentcast.patterns", "agentcast.runtime", "agentcast.studio", "agentcast.testing",
         "agentcast.tools", "agentcast.tools.services"]
# argparse plumbing of the CLI (``add_arguments``/``run`` in cli / *_cli modules) is not API;
# "_x" modules are private
CLI_MODULES = {"cli", "server_cli"}


def _lists(package: str) -> tuple[list[str], list[str], list[str]]:
    """(TYPE_CHECKING imports, _EXPORTS keys, __all__) as written in the face's source."""
    path = SRC.joinpath(*package.split(".")[1:], "__init__.py")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    checked: list[str] = []
    exports: list[str] = []
    names_all: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom), ast.unparse(imp)
                for alias in imp.names:
                    assert alias.asname == alias.name, f"{package}: re-export as {alias.name}"
                    checked.append(alias.name)
        elif isinstance(node, ast.AnnAssign) and ast.unparse(node.target) == "_EXPORTS":
            assert isinstance(node.value, ast.Dict)
            exports = [ast.literal_eval(k) for k in node.value.keys if k is not None]
        elif isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "__all__":
            assert isinstance(node.value, ast.List), f"{package}: __all__ must be a literal list"
            names_all = [ast.literal_eval(v) for v in node.value.elts]
    return checked, exports, names_all


@pytest.mark.parametrize("package", FACES)
def test_type_checking_block_exports_and_all_agree(package):
    checked, exports, names_all = _lists(package)
    assert names_all, f"{package} has no literal __all__"
    assert sorted(checked) == sorted(exports) == sorted(names_all), package
    assert len(set(names_all)) == len(names_all), f"{package}: duplicate names in __all__"
    face = importlib.import_module(package)
    for name in names_all:
        module = face._EXPORTS[name]
        assert getattr(face, name) is getattr(importlib.import_module(module), name)


@pytest.mark.parametrize("package", FACES)
def test_no_public_name_is_also_a_submodule(package):
    """Importing a submodule sets it as an attribute of its package: a public name equal to
    a submodule name would be replaced by the module (``agentcast.init`` used to be)."""
    face = importlib.import_module(package)
    submodules = {m.name for m in pkgutil.iter_modules(face.__path__)}
    assert not submodules & set(face.__all__)


@pytest.mark.parametrize("first", ["import agentcast.init", "agentcast.init"])
def test_ac_init_is_never_shadowed(first):
    """Both orders: importing every submodule before or after reading ``ac.init``."""
    code = f"""
import importlib, pkgutil
import agentcast
try:
    {'import agentcast.init' if first.startswith('import') else 'agentcast.init'}
except ImportError:
    pass
for m in pkgutil.walk_packages(agentcast.__path__, "agentcast."):
    if ".studio" in m.name or m.name.endswith(".__main__"):
        continue
    importlib.import_module(m.name)
import agentcast.initialize
assert callable(agentcast.init) and agentcast.init.__name__ == "init", agentcast.init
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]


def _public_defs(module_name: str) -> list[str]:
    module = importlib.import_module(module_name)
    return [n for n, o in vars(module).items()
            if not n.startswith("_") and (inspect.isclass(o) or inspect.isfunction(o))
            and getattr(o, "__module__", None) == module_name]


@pytest.mark.parametrize("package", FACES[1:])
def test_package_face_exports_every_public_definition(package):
    face = importlib.import_module(package)
    missing = []
    for info in pkgutil.iter_modules(face.__path__, package + "."):
        short = info.name.rsplit(".", 1)[1]
        if info.ispkg or short.startswith("_") or short in CLI_MODULES or short.endswith("_cli"):
            continue
        missing += [f"{info.name}.{n}" for n in _public_defs(info.name) if n not in face.__all__]
    assert not missing, f"{package} does not export: {missing}"


def _names_script(tmp_path: Path) -> Path:
    """One expression per public name of every face: none may be plain Any."""
    lines = ["# mypy: disallow-any-expr", "from __future__ import annotations", ""]
    for i, package in enumerate(FACES):
        lines.append(f"import {package} as face{i}")
    for i, package in enumerate(FACES):
        face = importlib.import_module(package)
        for name in face.__all__:
            lines.append(f"v{i}_{name} = face{i}.{name}")
    path = tmp_path / "public_names.py"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_mypy_strict_sees_no_plain_any_from_agentcast(tmp_path):
    """``mypy --strict`` over a user script and over every public name: no error at all,
    and no expression whose type is ``Any`` (types that merely *contain* Any, such as a
    parameter annotated Any, are allowed)."""
    pytest.importorskip("mypy")
    user = Path(__file__).with_name("user_script.py")
    script = tmp_path / "user_script.py"
    script.write_text("# mypy: disallow-any-expr\n" + user.read_text(encoding="utf-8"),
                      encoding="utf-8")
    names = _names_script(tmp_path)
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--show-error-codes",
         "--cache-dir", str(tmp_path / "cache"), "--python-version", "3.11",
         "--ignore-missing-imports", "--follow-imports=silent", str(script), str(names)],
        capture_output=True, text=True, timeout=600, cwd=tmp_path)
    errors = [line for line in out.stdout.splitlines() if ": error:" in line
              and 'Expression type contains "Any"' not in line]
    assert not errors, "\n".join(errors[:40])
    assert re.search(r"public_names\.py", names.name)
