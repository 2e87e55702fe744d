"""Loading one scenario and a whole catalog."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.catalog import Catalog, ScenarioError, load_catalog, load_scenario
from app.providers.base import Check
from tests.catalog.helpers import DATA, SCENARIO_ID, Edit, FlagParams


def add_scenario(catalog_dir: Path, scenario_id: str, title: str, difficulty: int) -> Path:
    """Copy the valid fixture under a new id, title and difficulty."""
    folder = catalog_dir / scenario_id
    shutil.copytree(DATA / SCENARIO_ID, folder)
    text = (folder / "scenario.yaml").read_text()
    text = text.replace(f"id: {SCENARIO_ID}", f"id: {scenario_id}")
    text = text.replace('title: "API server down after an etcd maintenance window"',
                        f"title: {title}")
    text = text.replace("difficulty: 2", f"difficulty: {difficulty}")
    (folder / "scenario.yaml").write_text(text)
    return folder


def test_it_loads_a_valid_scenario(scenario_file: Path) -> None:
    scenario = load_scenario(scenario_file)
    assert scenario.id == SCENARIO_ID
    assert scenario.difficulty == 2
    assert (scenario.time_limit, scenario.par_time) == (1200, 480)
    assert scenario.topology.node_names() == ["kind-control-plane", "kind-worker"]
    assert scenario.runbook.answer.components == ["etcd"]
    assert [hint.penalty for hint in scenario.hints] == [10, 25]
    assert scenario.expert_path[1].expect == ["etcd", "Exited"]
    assert scenario.fix_path[0].node is None


def test_it_loads_a_scenario_from_its_folder(scenario_file: Path) -> None:
    assert load_scenario(scenario_file.parent).id == SCENARIO_ID


def test_it_hands_checks_to_providers_as_probe_and_params(scenario_file: Path) -> None:
    scenario = load_scenario(scenario_file)
    assert scenario.provider_checks() == [
        Check(probe="apiserver-healthy", params={}),
        Check(probe="pods-ready", params={"namespace": "shop", "selector": "app=web"}),
    ]


def test_it_gives_faults_their_typed_params(scenario_file: Path) -> None:
    fault = load_scenario(scenario_file).faults[0]
    assert fault.node == "control-plane"
    assert fault.typed_params() == FlagParams(
        manifest="etcd", rename="--listen-client-urls", to="--listen-client-url")
    assert fault.fault_type().name == "test-flag"


def test_it_reads_a_workload_from_the_scenario_folder(scenario_file: Path) -> None:
    scenario = load_scenario(scenario_file)
    assert scenario.source_dir == scenario_file.parent
    assert "kind: Deployment" in scenario.read_workload("manifests/shop.yaml")


def test_it_refuses_to_read_outside_the_scenario_folder(scenario_file: Path) -> None:
    with pytest.raises(ValueError, match="outside the folder"):
        load_scenario(scenario_file).read_workload("../../secret.txt")


def test_it_keeps_the_source_folder_out_of_dumps(scenario_file: Path) -> None:
    dumped = load_scenario(scenario_file).model_dump_json()
    assert str(scenario_file.parent) not in dumped


def test_it_raises_scenario_error_with_every_problem(scenario_file: Path, edit: Edit) -> None:
    edit("difficulty: 2", "difficulty: 9")
    edit("id: etcd-manifest-typo", "id: other")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(scenario_file)
    assert [(e.file, e.line) for e in caught.value.errors] == [(scenario_file, 1),
                                                               (scenario_file, 3)]
    assert f"{scenario_file}:3: difficulty: must be at most 5, got 9" in str(caught.value)


def test_it_raises_scenario_error_for_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="cannot read file"):
        load_scenario(tmp_path / "nowhere" / "scenario.yaml")


def test_catalog_keeps_valid_scenarios_and_records_invalid_ones(
        catalog_dir: Path, tmp_path: Path) -> None:
    broken = add_scenario(catalog_dir, "broken", "Broken", 1)
    (broken / "scenario.yaml").write_text("id: broken\ntitle: [\n")
    catalog = load_catalog(catalog_dir)
    assert list(catalog.scenarios) == [SCENARIO_ID]
    assert [(e.file, e.line) for e in catalog.errors] == [(broken / "scenario.yaml", 3)]
    assert "broken" not in catalog


def test_catalog_sorts_by_difficulty_then_title(catalog_dir: Path) -> None:
    add_scenario(catalog_dir, "zeta", "Zeta", 1)
    add_scenario(catalog_dir, "beta", "Beta", 3)
    add_scenario(catalog_dir, "alpha", "Alpha", 3)
    catalog = load_catalog(catalog_dir)
    assert [s.id for s in catalog] == ["zeta", SCENARIO_ID, "alpha", "beta"]
    assert len(catalog) == 4
    assert catalog.get("alpha").title == "Alpha"


def test_catalog_ignores_hidden_and_underscore_folders(catalog_dir: Path) -> None:
    (catalog_dir / ".git").mkdir()
    (catalog_dir / "_drafts").mkdir()
    (catalog_dir / "README.md").write_text("# scenarios\n")
    catalog = load_catalog(catalog_dir)
    assert (list(catalog.scenarios), catalog.errors) == ([SCENARIO_ID], [])


def test_catalog_rejects_a_scenario_whose_id_is_not_its_folder(catalog_dir: Path) -> None:
    shutil.copytree(DATA / SCENARIO_ID, catalog_dir / "copy")
    catalog = load_catalog(catalog_dir)
    assert list(catalog.scenarios) == [SCENARIO_ID]
    assert [e.message for e in catalog.errors] == [
        f"id '{SCENARIO_ID}' does not match its folder name 'copy'"]


def test_an_empty_catalog_directory_gives_an_empty_catalog(tmp_path: Path) -> None:
    assert load_catalog(tmp_path) == Catalog()


def test_a_missing_catalog_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_catalog(tmp_path / "nope")
