"""`lint_paths` reports every problem of a scenario as `file:line: message`.

Line numbers refer to tests/catalog/data/etcd-manifest-typo/scenario.yaml after the edit.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from app.catalog import LintError, format_error, lint_paths
from tests.catalog.helpers import DATA, SCENARIO_ID, Edit, relative

FILE = f"{SCENARIO_ID}/scenario.yaml"


def lint(catalog_dir: Path) -> list[str]:
    return relative(lint_paths([catalog_dir]), catalog_dir)


def test_it_reports_nothing_for_a_valid_scenario(catalog_dir: Path) -> None:
    assert lint_paths([catalog_dir]) == []


def test_it_formats_errors_as_file_line_message() -> None:
    error = LintError(Path("scenarios/x/scenario.yaml"), 12, "unknown key 'foo'")
    assert format_error(error) == "scenarios/x/scenario.yaml:12: unknown key 'foo'"


def test_it_formats_whole_file_errors_without_a_line() -> None:
    assert format_error(LintError(Path("a.yaml"), 0, "scenario file is empty")) == \
        "a.yaml: scenario file is empty"


def test_it_reports_unknown_key_with_its_line(catalog_dir: Path, edit: Edit) -> None:
    edit("difficulty: 2\n", "difficulty: 2\nfoo: 1\n")
    assert lint(catalog_dir) == [f"{FILE}:4: unknown key 'foo'"]


def test_it_suggests_the_key_an_unknown_nested_key_was_meant_to_be(
        catalog_dir: Path, edit: Edit) -> None:
    edit("workers: 1}", "workers: 1, clustername: lab}")
    assert lint(catalog_dir) == [
        f"{FILE}:9: topology: unknown key 'clustername' (did you mean 'cluster_name'?)"]


def test_it_reports_a_missing_key_on_its_parent_mapping(catalog_dir: Path, edit: Edit) -> None:
    edit('  root_cause: "The etcd static pod manifest misspells --listen-client-urls."\n', "")
    assert lint(catalog_dir) == [f"{FILE}:18: runbook: missing required key 'root_cause'"]


def test_it_reports_a_missing_runbook_answer_on_the_runbook_line(
        catalog_dir: Path, edit: Edit) -> None:
    edit('''  answer:
    components: [etcd]
    concepts:
      - ["listen-client-url", "flag", "argument", "option", "typo", "misspel"]
      - ["manifest", "static pod", "etcd.yaml"]
    not_causes: ["etcd is down", "apiserver is down"]
''', "")
    assert lint(catalog_dir) == [f"{FILE}:18: runbook: missing required key 'answer'"]


def test_it_reports_a_missing_top_level_key_on_the_first_line(
        catalog_dir: Path, edit: Edit) -> None:
    edit("briefing: |\n  PagerDuty: kube-apiserver unreachable on prod-eu-1 since 14:02.\n", "")
    assert lint(catalog_dir) == [f"{FILE}:1: missing required key 'briefing'"]


def test_it_reports_a_wrong_type_in_words(catalog_dir: Path, edit: Edit) -> None:
    edit("difficulty: 2", "difficulty: two")
    assert lint(catalog_dir) == [f"{FILE}:3: difficulty: must be a whole number, got 'two'"]


def test_it_reports_a_difficulty_out_of_range(catalog_dir: Path, edit: Edit) -> None:
    edit("difficulty: 2", "difficulty: 7")
    assert lint(catalog_dir) == [f"{FILE}:3: difficulty: must be at most 5, got 7"]


def test_it_reports_a_bare_number_as_time_limit(catalog_dir: Path, edit: Edit) -> None:
    edit("time_limit: 20m", "time_limit: 20")
    assert lint(catalog_dir) == [
        f"{FILE}:5: time_limit: '20' is not a duration; write one like 20m, 90s or 1h30m"]


def test_it_reports_par_time_longer_than_time_limit(catalog_dir: Path, edit: Edit) -> None:
    edit("par_time: 8m", "par_time: 1h")
    assert lint(catalog_dir) == [
        f"{FILE}:6: par_time: must not be longer than time_limit (3600s > 1200s)"]


def test_it_reports_an_empty_text(catalog_dir: Path, edit: Edit) -> None:
    edit('title: "API server down after an etcd maintenance window"', 'title: " "')
    assert lint(catalog_dir) == [f"{FILE}:2: title: must not be empty"]


def test_it_reports_a_missing_workload_file(catalog_dir: Path, edit: Edit) -> None:
    edit("workloads: [manifests/shop.yaml]", "workloads: [manifests/shop.yaml, manifests/db.yaml]")
    assert lint(catalog_dir) == [
        f"{FILE}:10: workloads[1]: file 'manifests/db.yaml' not found beside scenario.yaml"]


def test_it_refuses_a_workload_outside_the_scenario_folder(catalog_dir: Path, edit: Edit) -> None:
    edit("workloads: [manifests/shop.yaml]",
         "workloads: [../etcd-manifest-typo/manifests/shop.yaml]")
    assert lint(catalog_dir) == [
        f"{FILE}:10: workloads[0]: '../etcd-manifest-typo/manifests/shop.yaml' "
        "must be a path relative to the scenario folder"]


def test_it_reports_unknown_fault_type_listing_known_ones(catalog_dir: Path, edit: Edit) -> None:
    edit("type: test-flag", "type: test-flg")
    assert lint(catalog_dir) == [
        f"{FILE}:12: faults[0].type: unknown fault type 'test-flg' "
        "(did you mean 'test-flag'?); known: test-flag"]


def test_it_reports_each_bad_fault_param_on_its_own_line(catalog_dir: Path, edit: Edit) -> None:
    edit("    params: {manifest: etcd, rename: --listen-client-urls, to: --listen-client-url}\n",
         "    params:\n"
         "      manifest: etcd\n"
         "      renam: --listen-client-urls\n"
         "      to: 3\n")
    assert lint(catalog_dir) == [
        f"{FILE}:14: faults[0].params: missing required key 'rename'",
        f"{FILE}:16: faults[0].params: unknown key 'renam' for fault type 'test-flag' "
        "(did you mean 'rename'?); known: manifest, rename, to",
        f"{FILE}:17: faults[0].params.to: must be text, got 3",
    ]


def test_it_reports_a_rule_of_the_fault_params_model_in_its_words(
        catalog_dir: Path, edit: Edit) -> None:
    edit("to: --listen-client-url}", "to: --listen-client-urls}")
    assert lint(catalog_dir) == [f"{FILE}:14: faults[0].params: `to` must differ from `rename`"]


def test_it_reports_a_fault_node_missing_from_the_topology(catalog_dir: Path, edit: Edit) -> None:
    edit("node: control-plane", "node: worker2")
    assert lint(catalog_dir) == [
        f"{FILE}:13: faults[0].node: node 'worker2' is not in the topology "
        "(nodes: kind-control-plane, kind-worker)"]


def test_it_reports_unknown_probe_listing_known_ones(catalog_dir: Path, edit: Edit) -> None:
    edit("{probe: apiserver-healthy}", "{probe: apiserver-healty}")
    assert lint(catalog_dir) == [
        f"{FILE}:30: checks[0].probe: unknown probe 'apiserver-healty' "
        "(did you mean 'apiserver-healthy'?); known: apiserver-healthy, etcd-fsync-fast, "
        "etcd-healthy, nodes-ready, object-exists, pods-ready, secrets-encrypted, "
        "service-endpoints, service-serves, static-pod-running"]


def test_it_reports_bad_probe_params(catalog_dir: Path, edit: Edit) -> None:
    edit("  - {probe: pods-ready, namespace: shop, selector: app=web}\n",
         "  - {probe: pods-ready, namespace: shop, selectr: app=web, min: many}\n"
         "  - {probe: service-endpoints, namespace: shop}\n")
    assert lint(catalog_dir) == [
        f"{FILE}:31: checks[1].min: must be a whole number, got 'many'",
        f"{FILE}:31: checks[1]: unknown key 'selectr' for probe 'pods-ready' "
        "(did you mean 'selector'?); known: namespace, selector, min",
        f"{FILE}:32: checks[2]: missing required key 'name'",
    ]


def test_it_requires_at_least_one_check(catalog_dir: Path, edit: Edit) -> None:
    edit("checks:\n  - {probe: apiserver-healthy}\n"
         "  - {probe: pods-ready, namespace: shop, selector: app=web}\n", "checks: []\n")
    assert lint(catalog_dir) == [f"{FILE}:29: checks: must not be empty"]


def test_it_reports_a_component_outside_the_fixed_list(catalog_dir: Path, edit: Edit) -> None:
    edit("components: [etcd]", "components: [etcd, etcd-server]")
    [error] = lint(catalog_dir)
    assert error.startswith(
        f"{FILE}:21: runbook.answer.components[1]: 'etcd-server' is not one of 'etcd', ")


def test_it_reports_yaml_syntax_errors_with_the_yaml_line(catalog_dir: Path, edit: Edit) -> None:
    edit("difficulty: 2\n", "difficulty: 2\n  oops: 3\n")
    assert lint(catalog_dir) == [f"{FILE}:4: invalid YAML: mapping values are not allowed here"]


def test_it_names_where_an_unclosed_bracket_opened(catalog_dir: Path, edit: Edit) -> None:
    edit("tags: [etcd, control-plane, static-pods]", "tags: [etcd, control-plane, static-pods")
    assert lint(catalog_dir) == [
        f"{FILE}:5: invalid YAML: expected ',' or ']', but got ':' "
        "(while parsing a flow sequence at line 4)"]


def test_it_reports_a_duplicate_yaml_key(catalog_dir: Path, edit: Edit) -> None:
    edit("difficulty: 2\n", "difficulty: 2\ntitle: Again\n")
    assert lint(catalog_dir) == [f"{FILE}:4: duplicate key 'title' (first at line 2)"]


def test_it_reports_an_id_that_differs_from_its_folder(catalog_dir: Path, edit: Edit) -> None:
    edit("id: etcd-manifest-typo", "id: etcd-typo")
    assert lint(catalog_dir) == [
        f"{FILE}:1: id 'etcd-typo' does not match its folder name 'etcd-manifest-typo'"]


def test_it_reports_every_problem_in_a_file_at_once(catalog_dir: Path, edit: Edit) -> None:
    edit("difficulty: 2", "difficulty: two")
    edit("type: test-flag", "type: test-flg")
    edit("node: control-plane", "node: worker2")
    edit("{probe: apiserver-healthy}", "{probe: apiserver-healty}")
    edit("expect: [\"etcd\", \"Exited\"]", "expect: etcd")
    lines = [error.split(":")[1] for error in lint(catalog_dir)]
    assert lines == ["3", "12", "13", "30", "36"]


def test_it_reports_duplicate_ids_across_catalogs(tmp_path: Path) -> None:
    for name in ("a", "b"):
        shutil.copytree(DATA / SCENARIO_ID, tmp_path / name / SCENARIO_ID)
    errors = relative(lint_paths([tmp_path / "a", tmp_path / "b"]), tmp_path)
    assert errors == [f"b/{FILE}:1: duplicate id '{SCENARIO_ID}' "
                      f"(already used by {tmp_path / 'a' / FILE})"]


def test_it_lints_a_scenario_folder_or_file_as_well_as_a_catalog(
        catalog_dir: Path, scenario_file: Path, edit: Edit) -> None:
    edit("difficulty: 2", "difficulty: 0")
    expected = [f"{FILE}:3: difficulty: must be at least 1, got 0"]
    for path in (catalog_dir, scenario_file.parent, scenario_file):
        assert relative(lint_paths([path]), catalog_dir) == expected


def test_it_does_not_count_a_file_named_twice_as_a_duplicate(
        catalog_dir: Path, scenario_file: Path) -> None:
    assert lint_paths([catalog_dir, scenario_file.parent, scenario_file]) == []


def test_it_reports_a_path_that_does_not_exist(tmp_path: Path) -> None:
    assert relative(lint_paths([tmp_path / "nope"]), tmp_path) == [
        "nope: no such file or directory"]


def test_it_reports_a_catalog_folder_without_scenario_file(catalog_dir: Path) -> None:
    (catalog_dir / "half-written").mkdir()
    (catalog_dir / "typo-name").mkdir()
    (catalog_dir / "typo-name" / "scenario.yml").write_text("id: typo-name\n")
    assert lint(catalog_dir) == [
        "half-written: folder has no scenario.yaml",
        "typo-name/scenario.yml: rename this file to scenario.yaml",
    ]


def test_it_reports_an_empty_file(scenario_file: Path, catalog_dir: Path) -> None:
    scenario_file.write_text("# nothing yet\n")
    assert lint(catalog_dir) == [f"{FILE}: scenario file is empty"]


def test_it_reports_a_file_that_is_not_a_mapping(scenario_file: Path, catalog_dir: Path) -> None:
    scenario_file.write_text("- id: etcd-manifest-typo\n")
    assert lint(catalog_dir) == [
        f"{FILE}:1: scenario file is not a mapping of keys (like 'id: my-scenario')"]
