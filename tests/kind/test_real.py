"""Two drills end to end on real kind: KindProvider + the fault modules + the scenario's
fix_path + its checks. Runs where `kind`, `kubectl` and a reachable Docker daemon exist
(binaries from KUBEDRILL_KIND_BIN / _DOCKER_BIN / _KUBECTL_BIN or PATH); skipped otherwise, with
the reason (`pytest -rs` prints it). Each drill creates and deletes its own cluster (~1-2 min
each on a laptop; the node image and busybox are pulled on first use).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.catalog.loader import load_catalog
from app.providers.base import ProviderError
from app.providers.kind.provider import KindProvider
from app.providers.kind.tools import Tools, run
from app.training.provisioning import break_cluster
from tests.conftest import SCENARIOS

BROKEN_WITHIN_S = 240
FIXED_WITHIN_S = 420


def _unavailable(tools: Tools) -> str | None:
    for argv in ([tools.kind, "version"], [tools.kubectl, "version", "--client"],
                 [tools.docker, "info", "--format", "{{.ServerVersion}}"]):
        try:
            run(argv, timeout=30)
        except ProviderError as e:
            return f"real kind not available: {e}"
    return None


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KindProvider]:
    tools = Tools.from_env()
    why = _unavailable(tools)
    if why:
        pytest.skip(why)
    yield KindProvider(tools, Path(tmp_path_factory.mktemp("kind")), create_timeout_s=900)


def _failing(cluster, scenario) -> list[str]:  # noqa: ANN001
    return [f"{c.probe}: {r.message}" for c in scenario.checks
            for r in [cluster.probe(c.to_check())] if not r.ok]


def _wait(cond, within: float, what: str) -> None:  # noqa: ANN001
    deadline = time.monotonic() + within
    last = None
    while time.monotonic() < deadline:
        ok, last = cond()
        if ok:
            return
        time.sleep(10)
    pytest.fail(f"{what} within {within:g}s; last: {last}")


@pytest.mark.parametrize("scenario_id", ["etcd-manifest-typo", "readiness-wrong-port"])
def test_drill_breaks_and_its_fix_path_heals_it_on_real_kind(real: KindProvider,
                                                             scenario_id: str) -> None:
    scenario = load_catalog(SCENARIOS).get(scenario_id)
    topo = scenario.topology
    name = f"kd-test-{uuid.uuid4().hex[:6]}"
    cluster = real.create(name, control_planes=topo.control_planes, workers=topo.workers,
                          progress=print)
    try:
        assert not _failing(cluster, scenario), "a fresh cluster must pass the drill's checks"
        break_cluster(cluster, scenario)
        _wait(lambda: (bool(f := _failing(cluster, scenario)), f), BROKEN_WITHIN_S,
              "no check failed after the fault")
        for step in scenario.fix_path:
            result = cluster.node(step.node or "control-plane").exec(step.run, timeout=120)
            assert result.exit_code == 0, result.output
        _wait(lambda: (not (f := _failing(cluster, scenario)), f), FIXED_WITHIN_S,
              "the checks did not all pass after the fix_path")
    finally:
        real.delete(name)
