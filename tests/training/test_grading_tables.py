"""The grader against hand-written tables: ≥10 right and ≥10 wrong answers per drill.

Tables live in tests/training/grading_tables/<scenario>.yaml; every drill must have one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from app.catalog.loader import load_catalog
from app.training.grading import grade
from tests.conftest import SCENARIOS

TABLES = Path(__file__).parent / "grading_tables"
CATALOG = load_catalog(SCENARIOS)


def cases() -> list[tuple[str, str, str, bool]]:
    out = []
    for table in sorted(TABLES.glob("*.yaml")):
        rows = yaml.safe_load(table.read_text())
        for component, cause in rows["right"]:
            out.append((table.stem, component, cause, True))
        for component, cause in rows["wrong"]:
            out.append((table.stem, component, cause, False))
    return out


def test_every_drill_has_a_table_of_ten_and_ten() -> None:
    for scenario in CATALOG:
        path = TABLES / f"{scenario.id}.yaml"
        assert path.exists(), f"no grading table for {scenario.id}"
        rows = yaml.safe_load(path.read_text())
        assert len(rows["right"]) >= 10 and len(rows["wrong"]) >= 10, scenario.id


@pytest.mark.parametrize(("scenario_id", "component", "cause", "expected"), cases())
def test_the_grader_agrees_with_the_table(scenario_id: str, component: str, cause: str,
                                          expected: bool) -> None:
    key = CATALOG.get(scenario_id).runbook.answer
    verdict = grade(component, cause, components=list(key.components),
                    concepts=[list(c) for c in key.concepts], not_causes=list(key.not_causes))
    assert verdict.correct is expected
