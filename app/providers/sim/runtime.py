"""containerd's view of a node: pod sandboxes and containers, as crictl shows them."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

LogLine = tuple[float, str, str]  # (twin time, "stdout"|"stderr", text)


def make_id(*parts: object) -> str:
    """A 64-hex id that is a pure function of its inputs, so a seeded twin is reproducible."""
    return hashlib.sha256("/".join(str(p) for p in parts).encode()).hexdigest()


def image_id(image: str) -> str:
    return "sha256:" + make_id("image", image)


@dataclass
class Container:
    id: str
    name: str
    pod_uid: str
    pod_name: str
    namespace: str
    sandbox_id: str
    image: str
    attempt: int
    created: float
    command: list[str] = field(default_factory=list)
    state: str = "running"  # created | running | exited
    started: float | None = None
    finished: float | None = None
    exit_code: int | None = None
    reason: str = ""
    exit_at: float | None = None  # when the process will exit, if it is going to
    planned_exit_code: int = 0
    planned_reason: str = "Error"
    ready_at: float | None = None
    logs: list[LogLine] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)  # component memory (e.g. degraded since)

    def running(self) -> bool:
        return self.state == "running"

    def ready(self, now: float) -> bool:
        return self.running() and self.ready_at is not None and self.ready_at <= now

    def stop(self, at: float, exit_code: int, reason: str) -> None:
        self.state = "exited"
        self.finished = at
        self.exit_code = exit_code
        self.reason = reason
        self.exit_at = None
        self.ready_at = None

    def to_json(self) -> dict[str, Any]:
        # A shallow copy: the result is only serialised, and asdict's deep copy of every log
        # line was 40 % of a command's cost.
        return dict(vars(self))

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Container:
        raw = dict(raw)
        raw["logs"] = [tuple(x) for x in raw.get("logs", [])]
        return cls(**raw)


@dataclass
class Sandbox:
    id: str
    name: str
    namespace: str
    uid: str
    created: float
    state: str = "ready"  # ready | notready
    attempt: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Runtime:
    """All sandboxes and containers on one node (containerd's state survives a kubelet stop)."""

    sandboxes: dict[str, Sandbox] = field(default_factory=dict)
    containers: dict[str, Container] = field(default_factory=dict)
    active: bool = True  # containerd.service
    # "<pod uid>/<container>" -> highest attempt whose log file /var/log/pods/.../<N>.log is still
    # there after its container record went (`crictl rmp`, `crictl rm -k`).
    kept_logs: dict[str, int] = field(default_factory=dict)
    # What containerd stopped and removed, for its journal (containerd_history.py records).
    gone: list[list[Any]] = field(default_factory=list)

    def keep_log(self, pod_uid: str, name: str, attempt: int) -> None:
        key = f"{pod_uid}/{name}"
        self.kept_logs[key] = max(attempt, self.kept_logs.get(key, -1))

    def restarts_from_logs(self, pod_uid: str, name: str) -> int:
        """The restart count the kubelet derives from the log files: the highest + 1, else 0."""
        return self.kept_logs.get(f"{pod_uid}/{name}", -1) + 1

    def containers_of(self, pod_uid: str, name: str | None = None) -> list[Container]:
        found = [c for c in self.containers.values()
                 if c.pod_uid == pod_uid and (name is None or c.name == name)]
        return sorted(found, key=lambda c: (c.attempt, c.created))

    def latest(self, pod_uid: str, name: str) -> Container | None:
        found = self.containers_of(pod_uid, name)
        return found[-1] if found else None

    def newest(self) -> dict[tuple[str, str], Container]:
        """`latest` of every (pod uid, container name) at once, in one pass: the kubelet
        needs all of them at every step, and a scan and a sort each was a third of it."""
        out: dict[tuple[str, str], Container] = {}
        for c in self.containers.values():
            cur = out.get((c.pod_uid, c.name))
            if cur is None or (c.attempt, c.created) >= (cur.attempt, cur.created):
                out[(c.pod_uid, c.name)] = c
        return out

    def find(self, prefix: str) -> Container | None:
        matches = [c for c in self.containers.values() if c.id.startswith(prefix)]
        return matches[0] if len(matches) == 1 else None

    def to_json(self) -> dict[str, Any]:
        return {"sandboxes": [s.to_json() for s in self.sandboxes.values()],
                "containers": [c.to_json() for c in self.containers.values()],
                "active": self.active, **({"kept_logs": self.kept_logs} if self.kept_logs else {}),
                **({"gone": self.gone} if self.gone else {})}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Runtime:
        rt = cls(active=raw.get("active", True), kept_logs=dict(raw.get("kept_logs", {})),
                 gone=[list(r) for r in raw.get("gone", [])])
        for s in raw["sandboxes"]:
            rt.sandboxes[s["id"]] = Sandbox(**s)
        for c in raw["containers"]:
            rt.containers[c["id"]] = Container.from_json(c)
        return rt
