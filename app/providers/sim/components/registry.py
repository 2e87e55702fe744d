"""Which model runs a container, chosen by the program it starts (command[0])."""

from __future__ import annotations

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
    program = command[0].rsplit("/", 1)[-1] if command else ""
    return _BY_PROGRAM.get(program, _GENERIC)
