"""The grader on etcd-manifest-typo: right answers in many wordings, symptoms and wrong causes."""

from __future__ import annotations

import pytest

from app.catalog.loader import load_scenario
from app.training.grading import grade, normalise
from tests.conftest import SCENARIOS

KEY = load_scenario(SCENARIOS / "etcd-manifest-typo").runbook.answer


def g(component: str, cause: str):  # noqa: ANN201
    return grade(component, cause, components=list(KEY.components),
                 concepts=[list(c) for c in KEY.concepts], not_causes=list(KEY.not_causes))


RIGHT = [
    "The etcd static pod manifest misspells --listen-client-urls as --listen-client-url",
    "typo in etcd.yaml: listen-client-url instead of listen-client-urls",
    "etcd manifest has a wrong flag name so etcd exits on start",
    "Misspelled flag in /etc/kubernetes/manifests/etcd.yaml",
    "ETCD MANIFEST FLAG TYPO",
    "the static pod spec for etcd passes an unknown argument (listen-client-url)",
    "flag listen-client-url is not defined; it's in the etcd manifest",
    "someone mispelled the listen client urls option in the manifest",
    "etcd.yaml contains --listen-client-url which etcd rejects (flag provided but not defined)",
    "a typo in the etcd pod manifest's command line flags",
]
WRONG = [
    ("etcd", "etcd is down"),
    ("etcd", "etcd crashed"),
    ("kube-apiserver", "apiserver is down"),
    ("kube-apiserver", "the apiserver gets connection refused"),
    ("kubelet", "the kubelet stopped"),
    ("etcd", "the disk is full"),
    ("certificates", "the etcd certificate expired"),
    ("etcd", "etcd lost quorum"),
    ("networking", "port 2379 is firewalled"),
    ("node", "the control plane node is out of memory"),
]


@pytest.mark.parametrize("cause", RIGHT)
def test_the_cause_is_accepted_in_many_wordings(cause: str) -> None:
    assert g("etcd", cause).correct, cause


@pytest.mark.parametrize(("component", "cause"), WRONG)
def test_symptoms_and_other_causes_are_rejected(component: str, cause: str) -> None:
    assert not g(component, cause).correct


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
