"""Settings the kind provider reads (docs/kind.md): defaults and the environment names."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from app.config import Settings


def test_kind_settings_default_to_binaries_on_path_and_a_small_cap() -> None:
    s = Settings(secret_key="x")
    assert (s.kind_bin, s.docker_bin, s.kubectl_bin) == ("kind", "docker", "kubectl")
    assert s.kind_max_clusters == 4 and s.kind_warm_pool == 0
    assert s.kind_internal_kubeconfig is False
    assert s.kind_workdir == Path("var/kind") and s.kind_create_timeout_s == 600


def test_kind_settings_come_from_kubedrill_environment_variables(
        monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"KUBEDRILL_KIND_BIN": "/opt/kind", "KUBEDRILL_DOCKER_BIN": "/usr/bin/docker",
           "KUBEDRILL_KUBECTL_BIN": "/opt/kubectl", "KUBEDRILL_KIND_MAX_CLUSTERS": "8",
           "KUBEDRILL_KIND_WARM_POOL": "2", "KUBEDRILL_KIND_INTERNAL_KUBECONFIG": "true",
           "KUBEDRILL_KIND_WORKDIR": "/data/kind", "KUBEDRILL_KIND_CREATE_TIMEOUT_S": "900"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    s = Settings(secret_key="x")
    assert (s.kind_bin, s.docker_bin, s.kubectl_bin) == ("/opt/kind", "/usr/bin/docker",
                                                        "/opt/kubectl")
    assert (s.kind_max_clusters, s.kind_warm_pool) == (8, 2)
    assert s.kind_internal_kubeconfig is True
    assert s.kind_workdir == Path("/data/kind") and s.kind_create_timeout_s == 900


@pytest.mark.parametrize("field,value", [("kind_max_clusters", 0), ("kind_warm_pool", -1),
                                         ("kind_create_timeout_s", 0)])
def test_kind_settings_refuse_values_that_cannot_work(field: str, value: int) -> None:
    with pytest.raises(ValidationError):
        Settings(secret_key="x", **{field: value})
