"""Every scenario tests itself: expert path shows the symptoms, fix path makes the checks pass.

Every variant of every drill is played through the twin, with the rule lint uses (every
combination, or a seeded sample of 200 above that). `KUBEDRILL_TEST_VARIANTS=sample` plays only
the canonical variant and `VARIANTS_PER_DRILL - 1` others, for quick local runs.
"""

from __future__ import annotations

import os
import random

import pytest

from app.catalog.lint import lint_paths
from app.catalog.loader import load_catalog
from app.catalog.schema import Scenario
from app.training.grading import grade
from app.training.player import check, check_wrong_fix, variants_to_check
from tests.conftest import SCENARIOS

CATALOG = load_catalog(SCENARIOS)
IDS = [s.id for s in CATALOG]
VARIANTS_PER_DRILL = 4


def _played(scenario_id: str) -> list[tuple[str, Scenario]]:
    every = variants_to_check(CATALOG, scenario_id)
    # Every variant by default, as the issue asks (lint's rule already caps a drill at 200);
    # KUBEDRILL_TEST_VARIANTS=sample plays the canonical one plus a few, for quick local runs.
    if os.environ.get("KUBEDRILL_TEST_VARIANTS", "all") == "all" or \
            len(every) <= VARIANTS_PER_DRILL:
        return every
    rest = random.Random(scenario_id).sample(every[1:], VARIANTS_PER_DRILL - 1)
    return every[:1] + rest


PLAYED = [(sid, label, s) for sid in IDS for label, s in _played(sid)]
PLAYED_IDS = [f"{sid}{label}" for sid, label, _ in PLAYED]
ALL = [(sid, label, s) for sid in IDS for label, s in variants_to_check(CATALOG, sid)]
ALL_IDS = [f"{sid}{label}" for sid, label, _ in ALL]


def test_the_catalog_lints_clean() -> None:
    assert lint_paths([SCENARIOS]) == []
    assert CATALOG.errors == []


@pytest.mark.parametrize(("scenario_id", "label", "scenario"), PLAYED, ids=PLAYED_IDS)
def test_expert_and_fix_paths_work(scenario_id: str, label: str, scenario: Scenario) -> None:
    assert check(scenario) == []


@pytest.mark.parametrize(("scenario_id", "label", "scenario"), PLAYED, ids=PLAYED_IDS)
def test_restarting_the_kubelet_alone_does_not_fix_it(scenario_id: str, label: str,
                                                      scenario: Scenario) -> None:
    assert check_wrong_fix(scenario, "systemctl restart kubelet") != []


@pytest.mark.parametrize(("scenario_id", "label", "scenario"), ALL, ids=ALL_IDS)
def test_the_runbook_is_graded_right_and_symptoms_wrong(scenario_id: str, label: str,
                                                        scenario: Scenario) -> None:
    s = scenario
    key = s.runbook.answer
    args = {"components": list(key.components), "concepts": [list(c) for c in key.concepts],
            "not_causes": list(key.not_causes)}
    assert grade(key.components[0], s.runbook.root_cause, **args).correct
    for symptom in key.not_causes:
        assert not grade(key.components[0], symptom, **args).correct, symptom
