"""The closed registry of fault types: a scenario's `type:` is looked up here and nowhere else.

Each fault module defines a pydantic `Params` model and an `inject(cluster, node, params)`
function written only against `app.providers.base`, so the same module drives the twin and kind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel

from app.providers.base import Cluster, Node

Inject = Callable[[Cluster, Node, BaseModel], None]


@dataclass(frozen=True)
class FaultType:
    name: str
    params: type[BaseModel]
    inject: Inject
    summary: str


_REGISTRY: dict[str, FaultType] = {}
_LOADED: list[bool] = []  # set once every module of the package has been imported


def register(name: str, params: type[BaseModel], summary: str) -> Callable[[Inject], Inject]:
    def decorate(fn: Inject) -> Inject:
        _REGISTRY[name] = FaultType(name=name, params=params, inject=fn, summary=summary)
        return fn

    return decorate


def _load_modules() -> None:
    # Importing every module of the package runs its @register decorator: a new fault type is
    # one new file. Done lazily to avoid import cycles.
    import importlib
    import pkgutil

    import app.faults as package

    for info in pkgutil.iter_modules(package.__path__):
        if info.name != "registry":
            importlib.import_module(f"app.faults.{info.name}")


_LOADED: list[bool] = []


def fault_types() -> dict[str, FaultType]:
    # Not `if not _REGISTRY`: importing one fault module directly (a test) registers only it.
    if not _LOADED:
        _load_modules()
        _LOADED.append(True)
    return dict(_REGISTRY)


def get(name: str) -> FaultType:
    types = fault_types()
    if name not in types:
        known = ", ".join(sorted(types))
        raise KeyError(f"unknown fault type {name!r} (known: {known})")
    return types[name]
