"""The grader's feedback and normalisation (the per-drill tables are in test_grading_tables)."""

from __future__ import annotations

from app.catalog.loader import load_scenario
from app.training.grading import grade, normalise
from tests.conftest import SCENARIOS

KEY = load_scenario(SCENARIOS / "etcd-manifest-typo").runbook.answer


def g(component: str, cause: str):  # noqa: ANN201
    return grade(component, cause, components=list(KEY.components),
                 concepts=[list(c) for c in KEY.concepts], not_causes=list(KEY.not_causes))


def test_the_runbook_root_cause_grades_itself_correct() -> None:
    root = load_scenario(SCENARIOS / "etcd-manifest-typo").runbook.root_cause
    assert g("etcd", root).correct


def test_feedback_calls_a_symptom_a_symptom() -> None:
    assert "symptom" in g("etcd", "etcd is down").feedback


def test_feedback_for_the_mechanism_on_the_wrong_component() -> None:
    verdict = g("kubelet", "a typo in the etcd manifest flag")
    assert not verdict.correct
    assert "not the component" in verdict.feedback


def test_flags_read_the_same_with_or_without_dashes() -> None:
    assert normalise("--listen-client-urls") == normalise("listen-client-urls")
