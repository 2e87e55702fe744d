"""Nothing a trainee types can reach the host: the twin's source never opens host files, starts
processes, evaluates Python or talks to the network. Checked on the source, so a new shell
command family that does any of it fails here before it ships."""

from __future__ import annotations

import ast
from pathlib import Path

SIM = Path(__file__).resolve().parents[2] / "app" / "providers" / "sim"
FORBIDDEN_MODULES = {"subprocess", "shutil", "socket", "pty", "ctypes", "multiprocessing",
                     "signal", "tempfile", "pathlib", "glob", "asyncio", "http", "urllib.request",
                     "requests", "httpx", "pickle", "marshal", "code", "runpy", "builtins"}
FORBIDDEN_CALLS = {"eval", "exec", "compile", "open", "__import__", "breakpoint", "input"}
OS_ALLOWED = {"cpu_count"}


def sources() -> list[Path]:
    return sorted(SIM.rglob("*.py"))


def problems(path: Path, root: Path = SIM.parents[2]) -> list[str]:
    tree = ast.parse(path.read_text(), str(path))
    found = []
    for node in ast.walk(tree):
        where = f"{path.relative_to(root)}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
            if node.module == "os":
                names += [f"os.{a.name}" for a in node.names]
        else:
            names = []
        for name in names:
            top = name.split(".")[0]
            if name in FORBIDDEN_MODULES or top in FORBIDDEN_MODULES:
                found.append(f"{where}: imports {name}")
            if name.startswith("os.") and name[3:] not in OS_ALLOWED:
                found.append(f"{where}: imports {name}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in FORBIDDEN_CALLS:
            found.append(f"{where}: calls {node.func.id}()")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id == "getattr" and node.args \
                and isinstance(node.args[0], ast.Name) and node.args[0].id == "os":
            found.append(f"{where}: getattr(os, ...)")
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "os" and node.attr not in OS_ALLOWED:
                found.append(f"{where}: uses os.{node.attr}")
            if node.value.id == "importlib" and node.attr == "import_module":
                found += _only_own_modules(node, tree, where)
            if node.value.id == "resources" and node.attr == "files":
                found += _only_own_package_data(node, tree, where)
    return found


def _call_of(attr: ast.Attribute, tree: ast.AST) -> ast.Call | None:
    return next((n for n in ast.walk(tree) if isinstance(n, ast.Call) and n.func is attr), None)


def _only_own_modules(attr: ast.Attribute, tree: ast.AST, where: str) -> list[str]:
    call = _call_of(attr, tree)
    arg = call.args[0] if call and call.args else None
    head = arg.values[0] if isinstance(arg, ast.JoinedStr) and arg.values else arg
    if isinstance(head, ast.Constant) and str(head.value).startswith("app.providers.sim."):
        return []
    return [f"{where}: importlib.import_module of something outside app.providers.sim"]


def _only_own_package_data(attr: ast.Attribute, tree: ast.AST, where: str) -> list[str]:
    call = _call_of(attr, tree)
    arg = call.args[0] if call and call.args else None
    if isinstance(arg, ast.Constant) and arg.value == "app.providers.sim":
        return []
    return [f"{where}: resources.files() outside the package's own data"]


def test_the_sim_provider_never_touches_the_host() -> None:
    assert len(sources()) > 20, "the sim provider's source was not found"
    found = [p for path in sources() for p in problems(path)]
    assert not found, "\n".join(found)


def test_the_checker_catches_each_way_out(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import subprocess\nfrom os import system\nimport os\nos.remove('x')\n"
                   "open('/etc/passwd')\neval('1')\nimport importlib\n"
                   "importlib.import_module('shutil')\ngetattr(os, 'system')('ls')\n")
    found = problems(bad, root=tmp_path)
    for needle in ("imports subprocess", "imports os.system", "uses os.remove", "calls open()",
                   "calls eval()", "import_module of something outside", "getattr(os"):
        assert any(needle in f for f in found), (needle, found)

