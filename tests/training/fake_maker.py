"""An in-process stand-in for KindProvider whose clusters are twins: for testing the training
layer's kind runtime (queue, cap, pool, reaper) without subprocesses."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from app.providers.base import ProviderError
from app.providers.sim.clock import Clock
from app.providers.sim.cluster import create_cluster


class FakeMaker:
    """Answers like KindProvider; `gate` holds creations, `fail_create` makes them fail."""

    name = "kind"
    prefix = "kd-"

    def __init__(self) -> None:
        self.made: dict[str, Any] = {}
        self.calls: list[tuple] = []
        self.gate = threading.Event()
        self.gate.set()
        self.fail_create = ""
        self.unhealthy: set[str] = set()
        self.foreign: list[str] = []  # clusters kind lists that are not ours

    def check(self) -> None:
        self.calls.append(("check",))

    def create(self, name: str, *, control_planes: int, workers: int,
               progress: Callable[[str], None]) -> Any:
        self.calls.append(("create", name, control_planes, workers))
        progress(f"creating cluster: {control_planes + workers} nodes")
        assert self.gate.wait(20)
        if self.fail_create:
            raise ProviderError("kind create cluster failed",
                                command=["kind", "create", "cluster", "--name", name],
                                exit_code=1, stderr=self.fail_create)
        cluster = create_cluster("kind", control_planes, workers, seed=7, clock=Clock(), age=90)
        self.made[name] = cluster
        return cluster

    def attach(self, name: str) -> Any:
        self.calls.append(("attach", name))
        return self.made[name]

    def clusters(self) -> list[str]:
        return sorted(self.made) + self.foreign

    def delete(self, name: str) -> None:
        self.calls.append(("delete", name))
        self.made.pop(name, None)

    def healthy(self, name: str) -> bool:
        return name in self.made and name not in self.unhealthy

    def created(self) -> list[str]:
        return [c[1] for c in self.calls if c[0] == "create"]
