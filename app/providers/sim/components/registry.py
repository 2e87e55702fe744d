"""Which model runs a container, chosen by the program it starts (command[0])."""

from __future__ import annotations

import functools

from app.providers.sim.components.apiserver import KubeApiserver
from app.providers.sim.components.base import Component, Generic
from app.providers.sim.components.controller_manager import KubeControllerManager
from app.providers.sim.components.etcd import Etcd
from app.providers.sim.components.scheduler import KubeScheduler

_BY_PROGRAM: dict[str, Component] = {
    "etcd": Etcd(),
    "kube-apiserver": KubeApiserver(),
    "kube-scheduler": KubeScheduler(),
    "kube-controller-manager": KubeControllerManager(),
}
_GENERIC = Generic()


def component_for(command: list[str]) -> Component:
    return _BY_PROGRAM.get(program_of(command[0]) if command else "", _GENERIC)


@functools.lru_cache(maxsize=1024)
def program_of(path: str) -> str:
    """`etcd` for `/usr/local/bin/etcd`: asked for every container at every twin step."""
    return path.rsplit("/", 1)[-1]
