"""Every scenario tests itself: expert path shows the symptoms, fix path makes the checks pass."""

from __future__ import annotations

import pytest

from app.catalog.lint import lint_paths
from app.catalog.loader import load_catalog
from app.training.grading import grade
from app.training.player import check, check_wrong_fix
from tests.conftest import SCENARIOS

CATALOG = load_catalog(SCENARIOS)
IDS = [s.id for s in CATALOG]


def test_the_catalog_lints_clean() -> None:
    assert lint_paths([SCENARIOS]) == []
    assert CATALOG.errors == []


@pytest.mark.parametrize("scenario_id", IDS)
def test_expert_and_fix_paths_work(scenario_id: str) -> None:
    assert check(CATALOG.get(scenario_id)) == []


@pytest.mark.parametrize("scenario_id", IDS)
def test_restarting_the_kubelet_alone_does_not_fix_it(scenario_id: str) -> None:
    assert check_wrong_fix(CATALOG.get(scenario_id), "systemctl restart kubelet") != []


@pytest.mark.parametrize("scenario_id", IDS)
def test_the_runbook_is_graded_right_and_symptoms_wrong(scenario_id: str) -> None:
    s = CATALOG.get(scenario_id)
    key = s.runbook.answer
    args = {"components": list(key.components), "concepts": [list(c) for c in key.concepts],
            "not_causes": list(key.not_causes)}
    assert grade(key.components[0], s.runbook.root_cause, **args).correct
    for symptom in key.not_causes:
        assert not grade(key.components[0], symptom, **args).correct, symptom
