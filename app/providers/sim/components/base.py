"""What every component model gets and gives back."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from app.providers.sim.clock import second_text, split_micro, utc
from app.providers.sim.runtime import Container

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimCluster, SimNode


@dataclass
class Context:
    cluster: SimCluster
    node: SimNode
    t: float


class Component(Protocol):
    def launch(self, ctx: Context, c: Container) -> None:
        """Called when the container starts: set logs, ready_at or exit_at."""

    def reconcile(self, ctx: Context, c: Container) -> None:
        """Called at every step while it runs, so it can react to a changed world."""


class Generic:
    """A well-behaved process: ready shortly after start, runs until stopped."""

    def __init__(self, warmup: float = 1.0) -> None:
        self.warmup = warmup

    def launch(self, ctx: Context, c: Container) -> None:
        c.ready_at = ctx.t + self.warmup

    def reconcile(self, ctx: Context, c: Container) -> None:
        return None


def klog(t: float, level: str, source: str, msg: str, pid: int = 1) -> str:
    """A klog header line: `I1126 00:51:59.123456       1 file.go:123] msg`."""
    seconds, micro = split_micro(t)
    return f"{level}{second_text(seconds, '%m%d %H:%M:%S')}.{micro:06d} {pid:>7} {source}] {msg}"


def zap(t: float, level: str, caller: str, msg: str, **fields: Any) -> str:
    """etcd 3.5's JSON log line (zap production encoder, ISO8601 UTC timestamps)."""
    d = utc(t)
    record: dict[str, Any] = {"level": level, "ts": f"{d:%Y-%m-%dT%H:%M:%S}.{d.microsecond:06d}Z"}
    if "logger" in fields:  # zap writes a named logger before the caller
        record["logger"] = fields.pop("logger")
    record.update({"caller": caller, "msg": msg})
    record.update(fields)
    return json.dumps(record, separators=(",", ":"))


def flag_values(command: list[str]) -> dict[str, str]:
    """`--name=value` pairs of a kubeadm-written command (the form kubeadm always uses)."""
    return dict(_flag_values(tuple(command)))


@functools.lru_cache(maxsize=512)
def _flag_values(command: tuple[str, ...]) -> dict[str, str]:
    values: dict[str, str] = {}
    for arg in command[1:]:
        if arg.startswith("-") and "=" in arg:
            name, _, value = arg.lstrip("-").partition("=")
            values[name] = value
        elif arg.startswith("-"):
            values[arg.lstrip("-")] = "true"
    return values
