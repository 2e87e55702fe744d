"""Every source of randomness in the twin says so (app/providers/sim/entropy.py): a command
that uses one is saved as a snapshot, because running it again would give another result."""

from __future__ import annotations

import ast
from pathlib import Path

from app.providers.sim import entropy, pki

SIM = Path(__file__).resolve().parents[3] / "app" / "providers" / "sim"
RANDOM_FUNCS = {"random", "randrange", "randint", "choice", "choices", "shuffle", "sample",
                "getrandbits", "randbytes", "uniform", "gauss"}
# Reads of the host's clock that are not randomness: the twin's clock (pinned while a command
# runs, at a host time that is recorded) and where time budgets start (a line, awk, sed or jq
# program stopped by its budget calls entropy.note()).
CLOCKS = {("clock.py", "now"), ("shell/interpreter.py", "__init__"),
          ("shell/awk.py", "__init__"), ("shell/sed.py", "__init__"), ("shell/jq.py", "jq")}


def random_calls(tree: ast.AST) -> list[tuple[ast.FunctionDef, ast.Call, str]]:
    found = []
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for call in ast.walk(fn):
            if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute):
                continue
            owner = call.func.value.id if isinstance(call.func.value, ast.Name) else ""
            name = call.func.attr
            if (owner == "secrets" or (owner == "random" and name in RANDOM_FUNCS)
                    or (owner == "random" and name == "Random" and not call.args)
                    or (owner == "uuid" and name in ("uuid1", "uuid4"))
                    or (owner == "os" and name == "urandom")
                    or name == "generate_private_key"
                    or (owner == "time" and name in ("time", "monotonic", "perf_counter"))):
                found.append((fn, call, f"{owner}.{name}"))
    return found


def notes(fn: ast.AST) -> bool:
    return any(isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute)
               and c.func.attr in ("note", "randrange") and isinstance(c.func.value, ast.Name)
               and c.func.value.id == "entropy" for c in ast.walk(fn))


def test_every_use_of_randomness_in_the_twin_calls_entropy_note() -> None:
    unmarked = []
    for path in sorted(SIM.rglob("*.py")):
        rel = path.relative_to(SIM).as_posix()
        if rel == "entropy.py":
            continue
        for fn, call, what in random_calls(ast.parse(path.read_text())):
            if (rel, fn.name) in CLOCKS or notes(fn):
                continue
            unmarked.append(f"{rel}:{call.lineno} {fn.name}: {what}")
    assert unmarked == []


def test_the_scan_sees_an_unmarked_source() -> None:
    tree = ast.parse("import secrets\ndef serial():\n    return secrets.randbelow(9)\n")
    assert [w for _, _, w in random_calls(tree)] == ["secrets.randbelow"]
    assert not notes(tree)


def test_watch_tells_whether_randomness_was_drawn() -> None:
    with entropy.watch() as quiet:
        pki.load_cert  # noqa: B018 - touching the module draws nothing
    assert not quiet.used
    with entropy.watch() as loud:
        pki._kubeadm_serial()  # noqa: SLF001
    assert loud.used
