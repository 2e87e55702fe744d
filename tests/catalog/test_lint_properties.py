"""Property tests: whatever YAML lands in a scenario folder, the linter answers with errors
(file, line, message), never with an exception."""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.catalog import LintError
from app.catalog.lint import lint_paths
from tests.catalog.helpers import DATA, SCENARIO_ID

# The catalog tests' copy of a valid scenario, with its test-double fault type (conftest).
SOURCE = DATA / SCENARIO_ID
VALID = yaml.safe_load((SOURCE / "scenario.yaml").read_text())
# The registry double is a function-scoped fixture but the same for every example.
QUIET = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
                    st.floats(allow_nan=True), st.text(max_size=40),
                    st.sampled_from(["20m", "-1s", "1h", "0", "etcd", "control-plane",
                                     "manifest-flag", "pods-ready", "kind-worker9", "{", "*"]))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=12)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, prefix + (i,))
    return out


@st.composite
def mutated_scenarios(draw: st.DrawFn) -> Any:
    """The valid scenario with a few random edits: a value replaced, a key dropped or added."""
    doc = copy.deepcopy(VALID)
    for _ in range(draw(st.integers(1, 4))):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "drop", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(values)
        elif action == "drop":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=12))] = draw(values)
        else:
            parent.append(draw(values))
    return doc


def lint_text(text: str) -> tuple[list[LintError], int]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / SCENARIO_ID
        (folder / "manifests").mkdir(parents=True)
        for f in (SOURCE / "manifests").glob("*"):
            (folder / "manifests" / f.name).write_text(f.read_text())
        (folder / "scenario.yaml").write_text(text)
        # YAML also breaks lines at \r, NEL (\x85) and U+2028/9; splitlines() counts them all.
        return lint_paths([folder]), len(text.splitlines()) + 1


def assert_well_formed(errors: list[LintError], lines: int) -> None:
    for e in errors:
        assert isinstance(e, LintError) and e.message.strip()
        assert 0 <= e.line <= lines, e


def test_the_shipped_scenario_lints_clean() -> None:
    errors, _ = lint_text(yaml.safe_dump(VALID, sort_keys=False))
    assert errors == []


@settings(max_examples=150, deadline=None, suppress_health_check=QUIET)
@given(mutated_scenarios())
def test_a_mutated_scenario_gets_errors_never_a_crash(doc: Any) -> None:
    errors, lines = lint_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    assert_well_formed(errors, lines)


@settings(max_examples=100, deadline=None, suppress_health_check=QUIET)
@given(values)
def test_any_yaml_document_gets_errors_never_a_crash(doc: Any) -> None:
    errors, lines = lint_text(yaml.safe_dump(doc, allow_unicode=True))
    assert errors, "a random document is never a valid scenario"
    assert_well_formed(errors, lines)


@settings(max_examples=100, deadline=None, suppress_health_check=QUIET)
@given(st.text(max_size=300))
@example("\x850")  # NEL: a line break to YAML, not to str.count("\n")
def test_any_text_gets_errors_never_a_crash(text: str) -> None:
    errors, lines = lint_text(text)
    assert errors
    assert_well_formed(errors, lines)
