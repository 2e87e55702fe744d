"""The `apply` fault: objects created during the incident, from a file or inline."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.faults import registry
from app.providers.sim.clock import Clock
from app.providers.sim.cluster import create_cluster

CM = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: flags, namespace: default}\n"


def test_inline_objects_are_applied() -> None:
    cluster = create_cluster("kind", 1, 1, clock=Clock(frozen_at=1764118800.0))
    ft = registry.get("apply")
    ft.inject(cluster, cluster.node("control-plane"), ft.params(inline=CM))
    assert cluster.store.find("ConfigMap", "flags", "default") is not None


def test_a_manifest_file_is_read_through_the_scenario() -> None:
    p = registry.get("apply").params(manifest="manifests/x.yaml")
    resolved = p.resolve_files(lambda rel: CM if rel == "manifests/x.yaml" else "")
    assert resolved.inline == CM


def test_exactly_one_source_is_required() -> None:
    with pytest.raises(ValidationError):
        registry.get("apply").params()
    with pytest.raises(ValidationError):
        registry.get("apply").params(manifest="a.yaml", inline=CM)
