"""Fixtures for catalog tests: a throwaway fault type and a copy of a valid scenario to break."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.faults import registry
from tests.catalog.helpers import DATA, SCENARIO_ID, Edit, FlagParams


@pytest.fixture(autouse=True)
def fault_types(monkeypatch: pytest.MonkeyPatch) -> dict[str, registry.FaultType]:
    """Only `test-flag` is registered, so these tests need no real fault module."""
    types = {"test-flag": registry.FaultType(
        name="test-flag", params=FlagParams, inject=lambda cluster, node, params: None,
        summary="renames a flag in a static pod manifest (test double)")}
    monkeypatch.setattr(registry, "fault_types", lambda: dict(types))
    return types


@pytest.fixture
def catalog_dir(tmp_path: Path) -> Path:
    """A catalog directory holding one valid scenario, copied so tests may break it."""
    root = tmp_path / "scenarios"
    shutil.copytree(DATA / SCENARIO_ID, root / SCENARIO_ID)
    return root


@pytest.fixture
def scenario_file(catalog_dir: Path) -> Path:
    return catalog_dir / SCENARIO_ID / "scenario.yaml"


@pytest.fixture
def edit(scenario_file: Path) -> Edit:
    """Replace one exact piece of the valid scenario's text; fails if the piece is not there."""

    def apply(old: str, new: str) -> Path:
        text = scenario_file.read_text()
        assert text.count(old) == 1, f"{old!r} should occur once in the fixture"
        scenario_file.write_text(text.replace(old, new))
        return scenario_file

    return apply

