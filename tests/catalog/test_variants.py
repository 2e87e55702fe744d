"""Variants: the `variants:` block, choice from a seed, rendering before validation, lint."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.catalog import variants as var
from app.catalog.lint import lint_paths
from app.catalog.loader import ScenarioError, load_catalog
from tests.catalog.helpers import Edit, relative

VARIANTS = """topology: {control_planes: 1, workers: 1}
variants:
  flag:
    - {good: listen-client-urls, bad: listen-client-url}
    - {good: advertise-client-urls, bad: advertise-client-url}
    - {good: initial-cluster, bad: initial-cluster-members}
  penalty: {min: 10, max: 30, step: 10}
"""


@pytest.fixture
def varied(edit: Edit) -> Path:
    """The test scenario with a flag and a hint penalty that vary."""
    edit("topology: {control_planes: 1, workers: 1}\n", VARIANTS)
    edit("rename: --listen-client-urls, to: --listen-client-url}",
         "rename: --{{ flag.good }}, to: --{{ flag.bad }}}")
    edit('root_cause: "The etcd static pod manifest misspells --listen-client-urls."',
         'root_cause: "The etcd static pod manifest misspells --{{ flag.good }}."')
    edit('["listen-client-url", "flag"', '["{{ flag.bad }}", "flag"')
    edit("penalty: 25}", "penalty: {{ penalty }}}")
    return edit("sed -i 's#--listen-client-url=#--listen-client-urls=#'",
                "sed -i 's#--{{ flag.bad }}=#--{{ flag.good }}=#'")


def test_a_range_lists_its_values_ends_included() -> None:
    v = var.extract("variants:\n  ms: {min: 400, max: 1000, step: 200}\n  w: [a, b]\nid: x\n")
    assert v.choices == {"ms": (400, 600, 800, 1000), "w": ("a", "b")}
    assert v.count() == 8 and v.canonical() == {"ms": 400, "w": "a"}
    assert len(v.combinations()) == 8 and v.combinations()[0] == v.canonical()


def test_seed_zero_is_canonical_and_a_seed_always_picks_the_same() -> None:
    v = var.extract("variants:\n  a: [1, 2, 3, 4, 5, 6]\n  b: {min: 0, max: 99}\n")
    assert v.pick("s", 0) == {"a": 1, "b": 0}
    picks = [v.pick("s", seed) for seed in range(1, 40)]
    assert picks == [v.pick("s", seed) for seed in range(1, 40)]
    assert len({var.key(p) for p in picks}) > 30  # seeds spread over the combinations
    assert v.pick("s", 7) != v.pick("other-scenario", 7) or v.pick("s", 8) != v.pick("o", 8)


def test_above_the_limit_a_seeded_sample_is_checked() -> None:
    v = var.extract("variants:\n  a: {min: 1, max: 30}\n  b: {min: 1, max: 30}\n")
    sample = v.combinations(sample_seed="x")
    assert len(sample) == var.MAX_COMBINATIONS and sample[0] == v.canonical()
    assert sample == v.combinations(sample_seed="x")
    assert len({var.key(s) for s in sample}) == var.MAX_COMBINATIONS


def test_rendering_is_sandboxed_and_strict() -> None:
    assert var.render("a {{ x }} b\n", {"x": 1}) == "a 1 b\n"
    with pytest.raises(var.VariantError) as undefined:
        var.render("one\ntwo {{ y }}\n", {"x": 1})
    assert undefined.value.line == 2 and "'y' is undefined" in undefined.value.message
    with pytest.raises(var.VariantError, match="not allowed|unsafe|template error"):
        var.render("{{ x.__class__.__mro__ }}", {"x": 1})
    with pytest.raises(var.VariantError) as syntax:
        var.render("ok\n{{ x \n", {"x": 1})
    assert syntax.value.line >= 2


@pytest.mark.parametrize(("block", "message"), [
    ("variants: []\n", "must be a mapping"),
    ("variants:\n  Bad-Name: [a]\n", "lowercase letters"),
    ("variants:\n  a: []\n", "non-empty list"),
    ("variants:\n  a: [x, x]\n", "listed twice"),
    ("variants:\n  a: {min: 3, max: 1}\n", "min <= max"),
    ("variants:\n  a: [{k: 1}, {j: 2}]\n", "same keys"),
    ("variants:\n  a: ['{{ b }}']\n", "cannot use templates"),
    ("variants:\n  a: [{on: 1}, {on: 2}]\n", "YAML reads on/off"),
])
def test_a_bad_variants_block_is_refused(block: str, message: str) -> None:
    with pytest.raises(var.VariantError, match=message):
        var.extract("id: x\n" + block)


def test_the_canonical_scenario_is_the_file_with_first_choices(varied: Path) -> None:
    catalog = load_catalog(varied.parent.parent)
    assert catalog.errors == []
    s = catalog.get("etcd-manifest-typo")
    assert s.faults[0].params == {"manifest": "etcd", "rename": "--listen-client-urls",
                                  "to": "--listen-client-url"}
    assert s.hints[1].penalty == 10
    assert catalog.render(s.id, 0) is s
    assert s.variant_values == {"flag": {"good": "listen-client-urls",
                                         "bad": "listen-client-url"}, "penalty": 10}
    assert "variants" not in s.model_dump()


def test_render_gives_the_seeds_variant_cached(varied: Path) -> None:
    catalog = load_catalog(varied.parent.parent)
    seed = next(n for n in range(1, 100)
                if catalog.values("etcd-manifest-typo", n)["flag"]["bad"] == "advertise-client-url")
    s = catalog.render("etcd-manifest-typo", seed)
    assert s.faults[0].params["to"] == "--advertise-client-url"
    assert s.runbook.answer.concepts[0][0] == "advertise-client-url"
    assert s.fix_path[0].run == "sed -i 's#--advertise-client-url=#--advertise-client-urls=#' " \
                                "/etc/kubernetes/manifests/etcd.yaml"
    assert catalog.render("etcd-manifest-typo", seed) is s
    assert catalog.get("etcd-manifest-typo").faults[0].params["to"] == "--listen-client-url"


def test_workload_manifests_are_rendered_too(varied: Path, edit: Edit) -> None:
    edit("penalty: {min: 10, max: 30, step: 10}", "penalty: {min: 10, max: 30, step: 10}\n"
         "  app: [web, shop-web]")
    manifest = varied.parent / "manifests" / "shop.yaml"
    manifest.write_text(manifest.read_text().replace("app: web", "app: {{ app }}"))
    catalog = load_catalog(varied.parent.parent)
    assert catalog.errors == []
    s = catalog.get("etcd-manifest-typo")
    assert "app: web" in s.read_workload("manifests/shop.yaml")
    seed = next(n for n in range(1, 100) if catalog.values(s.id, n)["app"] == "shop-web")
    assert "app: shop-web" in catalog.render(s.id, seed).read_workload("manifests/shop.yaml")


def test_lint_reports_a_bad_combination_with_its_values_and_line(varied: Path,
                                                                 edit: Edit) -> None:
    root = varied.parent.parent
    # A penalty that the range makes negative in its first (canonical) variant.
    edit("penalty: {min: 10, max: 30, step: 10}", "penalty: {min: -10, max: 30, step: 10}")
    edit("penalty: {{ penalty }}}", "penalty: 10}")
    text = varied.read_text().replace("penalty: 10}\nrunbook", "penalty: {{ penalty }}}\nrunbook")
    varied.write_text(text)
    problems = relative(lint_paths([root]), root)
    line = text.split("\n").index("  - {text: \"Read /etc/kubernetes/manifests/etcd.yaml "
                                  "closely.\", penalty: {{ penalty }}}") + 1
    assert f"etcd-manifest-typo/scenario.yaml:{line}: hints[1].penalty: must be at least 0, " \
           "got -10" in problems
    assert len(problems) == 1
    # The canonical variant is broken, so the server does not serve the drill either.
    assert load_catalog(root).errors


def test_lint_names_the_variant_of_an_error_only_some_variants_have(varied: Path,
                                                                    edit: Edit) -> None:
    root = varied.parent.parent
    edit("penalty: {min: 10, max: 30, step: 10}", "penalty: {min: 10, max: 30, step: 10}\n"
         "  node: [control-plane, worker, worker7]")
    edit("  - type: test-flag\n    node: control-plane",
         "  - type: test-flag\n    node: {{ node }}")
    problems = relative(lint_paths([root]), root)
    assert problems and all("node=worker7" in p and "node 'worker7' is not in the topology" in p
                            for p in problems)
    assert len(problems) == 1  # one problem, named once, not once per combination
    catalog = load_catalog(root)
    assert catalog.errors == []  # the canonical variant is fine: served, lint flags the rest
    bad = next(n for n in range(1, 200) if catalog.values("etcd-manifest-typo", n)["node"]
               == "worker7")
    with pytest.raises(ScenarioError, match="worker7"):
        catalog.render("etcd-manifest-typo", bad)


def test_an_undefined_name_is_a_lint_error_on_its_line(varied: Path, edit: Edit) -> None:
    root = varied.parent.parent
    edit("PagerDuty: kube-apiserver", "PagerDuty: {{ clusterr }} kube-apiserver")
    problems = relative(lint_paths([root]), root)
    assert problems == ["etcd-manifest-typo/scenario.yaml:8: template error: 'clusterr' is "
                        "undefined (declare it under variants:)"]
