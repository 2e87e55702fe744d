"""The scenario model: durations, nodes, components and what trainees may see."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from app.catalog import COMPONENTS, Scenario, ScenarioError, load_scenario
from app.catalog.schema import Check, Topology, parse_duration
from tests.catalog.helpers import Edit


@pytest.mark.parametrize(("text", "seconds"), [
    ("20m", 1200), ("90s", 90), ("1h30m", 5400), ("1h", 3600), ("2m30s", 150),
])
def test_it_parses_durations_to_seconds(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("value", [20, "20", "", "0m", "1.5h", "20 m", "m", None, True])
def test_it_refuses_anything_but_a_duration_with_units(value: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(value)


def test_components_are_the_fixed_answer_list() -> None:
    assert COMPONENTS == (
        "etcd", "kube-apiserver", "kube-scheduler", "kube-controller-manager", "kubelet",
        "container-runtime", "node", "certificates", "workload", "networking", "security",
    )


def test_topology_names_nodes_like_kind() -> None:
    topology = Topology(control_planes=2, workers=2, cluster_name="lab")
    assert topology.node_names() == [
        "lab-control-plane", "lab-control-plane2", "lab-worker", "lab-worker2"]
    assert {"control-plane", "worker", "worker2", "lab-worker2"} <= topology.node_refs()
    assert "worker3" not in topology.node_refs()


@pytest.mark.parametrize("node", ["worker", "worker2", "kind-worker2", "control-plane"])
def test_a_fault_may_name_a_node_by_role_short_or_full_name(
        scenario_file: Path, edit: Edit, node: str) -> None:
    edit("workers: 1", "workers: 2")
    edit("node: control-plane", f"node: {node}")
    assert load_scenario(scenario_file).faults[0].node == node


def test_a_worker_role_needs_a_worker(scenario_file: Path, edit: Edit) -> None:
    edit("workers: 1", "workers: 0")
    edit("node: control-plane", "node: worker")
    with pytest.raises(ScenarioError, match="node 'worker' is not in the topology"):
        load_scenario(scenario_file)


def test_a_check_accepts_probe_and_nested_params() -> None:
    check = Check.model_validate({"probe": "service-endpoints", "params": {"name": "web"}})
    assert check.to_check().params == {"name": "web"}


def test_scenario_without_a_folder_skips_workload_existence(scenario_file: Path) -> None:
    data = yaml.safe_load(scenario_file.read_text())
    scenario = Scenario.model_validate(data)
    assert scenario.source_dir is None
    with pytest.raises(ValueError, match="not loaded from a folder"):
        scenario.read_workload("manifests/shop.yaml")


def test_scenario_is_strict_about_types(scenario_file: Path) -> None:
    data = yaml.safe_load(scenario_file.read_text())
    with pytest.raises(ValidationError):
        Scenario.model_validate(data | {"difficulty": "2"})


def test_public_view_has_only_what_a_trainee_may_see(scenario_file: Path) -> None:
    assert load_scenario(scenario_file).public() == {
        "id": "etcd-manifest-typo",
        "title": "API server down after an etcd maintenance window",
        "difficulty": 2,
        "tags": ["etcd", "control-plane", "static-pods"],
        "time_limit": 1200,
        "par_time": 480,
        "briefing": "PagerDuty: kube-apiserver unreachable on prod-eu-1 since 14:02.\n",
        "topology": {"control_planes": 1, "workers": 1, "cluster_name": "kind"},
        "hint_count": 2,
        "hint_penalties": [10, 25],
    }


def test_public_view_leaks_no_answer_check_path_fault_or_hint_text(scenario_file: Path) -> None:
    scenario = load_scenario(scenario_file)
    public = json.dumps(scenario.public())
    # Concept words such as "etcd" may rightly appear in a title or tag; these may not.
    secrets = [
        scenario.runbook.root_cause, scenario.runbook.explanation, *scenario.runbook.fix,
        *scenario.runbook.answer.not_causes,
        *(check.probe for check in scenario.checks), "app=web",
        *(step.run for step in scenario.expert_path), "was refused",
        *(step.run for step in scenario.fix_path),
        *(fault.type for fault in scenario.faults), "listen-client",
        *(hint.text for hint in scenario.hints),
    ]
    assert [secret for secret in secrets if secret in public] == []
    for key in ("runbook", "checks", "expert_path", "fix_path", "faults", "hints", "answer"):
        assert key not in scenario.public()


def test_a_fix_step_may_wait_up_to_ten_minutes() -> None:
    from app.catalog.schema import FixStep

    assert FixStep(run="true", wait=60).wait == 60
    assert FixStep(run="true").wait == 0
    with pytest.raises(ValidationError):
        FixStep(run="true", wait=601)
