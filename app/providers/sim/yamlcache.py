"""Parse the node files components read on every step (manifests, kubeconfigs) once per process.

Every twin holds the same few texts; parsing them again at each kubelet sync was most of the
cost of creating a cluster. Callers get their own copy, so nothing shared is ever mutated.
"""

from __future__ import annotations

import functools
from typing import Any

import yaml

from app.providers.sim.jsoncopy import clone

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.lru_cache(maxsize=1024)
def _parse(raw: bytes) -> Any:
    return yaml.load(raw, Loader=_Loader)  # noqa: S506 - a safe loader


def load(raw: bytes | str) -> Any:
    """`yaml.safe_load`, cached by content; raises yaml.YAMLError like it."""
    data = raw.encode() if isinstance(raw, str) else raw
    return clone(_parse(data))


def peek(raw: bytes | str) -> Any:
    """The shared parse of `raw`, for callers that only read it (never mutate the result)."""
    return _parse(raw.encode() if isinstance(raw, str) else raw)
