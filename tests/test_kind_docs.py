"""docs/kind.md stays in step with what it documents: settings, pinned versions, the README."""

from __future__ import annotations

import re
from pathlib import Path

from app.config import Settings

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "kind.md").read_text()
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def test_every_kind_setting_is_documented_with_its_default() -> None:
    defaults = Settings(secret_key="x")
    names = ["kind_bin", "docker_bin", "kubectl_bin"] + [
        n for n in Settings.model_fields if n.startswith("kind_")]
    for name in names:
        assert f"KUBEDRILL_{name.upper()}" in DOC, f"KUBEDRILL_{name.upper()} not in docs/kind.md"
    row = {m[0]: m[1] for m in re.findall(r"^\| `(KUBEDRILL_KIND_\w+)` \| `([^`]*)` \|", DOC,
                                          flags=re.M)}
    assert row["KUBEDRILL_KIND_MAX_CLUSTERS"] == str(defaults.kind_max_clusters)
    assert row["KUBEDRILL_KIND_WARM_POOL"] == str(defaults.kind_warm_pool)
    assert row["KUBEDRILL_KIND_WORKDIR"] == str(defaults.kind_workdir)
    assert float(row["KUBEDRILL_KIND_CREATE_TIMEOUT_S"]) == defaults.kind_create_timeout_s


def test_the_versions_table_matches_the_dockerfile() -> None:
    args = dict(re.findall(r"^ARG (\w+)=(\S+)$", DOCKERFILE, flags=re.M))
    for tool, version in (("kind", args["KIND_VERSION"]), ("kubectl", args["KUBECTL_VERSION"]),
                          ("docker client", args["DOCKER_CLI_VERSION"])):
        assert re.search(rf"^\| {tool} \| {re.escape(version)} \|", DOC, flags=re.M), tool
    for key, sha in args.items():
        if "_SHA256_" in key:
            assert f"{sha[:8]}…{sha[-8:]}" in DOC, f"{key} not in the versions table"


def test_the_readme_says_how_to_switch_a_game_day_to_kind() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Switching a game day to kind"):]
    section = section[:section.index("\n## ", 1)]
    assert "docs/kind.md" in section and "docker compose up" in section
    assert "KUBEDRILL_PROVIDER=kind" in section
