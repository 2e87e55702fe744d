"""The twin's sense of time.

Twin time follows the server's real time plus an offset, so ages, back-offs and certificate
expiry move while a trainee works; tests and faults move it forward explicitly.
"""

from __future__ import annotations

import functools
import math
import time
from datetime import UTC, datetime


class Clock:
    def __init__(self, offset: float = 0.0, frozen_at: float | None = None) -> None:
        self.offset = offset
        self.frozen_at = frozen_at  # tests freeze the clock so outputs are reproducible

    def now(self) -> float:
        base = self.frozen_at if self.frozen_at is not None else time.time()
        return base + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    def to_json(self) -> dict[str, float | None]:
        return {"offset": self.offset, "frozen_at": self.frozen_at}

    @classmethod
    def from_json(cls, raw: dict[str, float | None]) -> Clock:
        return cls(offset=raw.get("offset") or 0.0, frozen_at=raw.get("frozen_at"))


def utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def split_micro(ts: float) -> tuple[int, int]:
    """(whole seconds, microseconds) of `ts` as `utc(ts)` rounds them (to the nearest
    microsecond, a carry into the next second included)."""
    seconds = math.floor(ts)
    micro = round((ts - seconds) * 1e6)
    if micro >= 1_000_000:
        seconds, micro = seconds + 1, micro - 1_000_000
    return seconds, micro


@functools.lru_cache(maxsize=16384)
def second_text(seconds: int, fmt: str) -> str:
    """`utc(seconds)` formatted with strftime's `fmt`, once per second and format: a journal
    of thousands of derived lines formats the same few hundred seconds again and again."""
    return utc(seconds).strftime(fmt)


def rfc3339(ts: float) -> str:
    return _rfc3339(math.floor(ts))


@functools.lru_cache(maxsize=8192)
def _rfc3339(seconds: int) -> str:
    # Every step of the twin stamps heartbeats, conditions and events with the same few
    # seconds: formatting each once is a tenth of a step.
    return utc(seconds).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc3339nano(ts: float) -> str:
    """Go's time.RFC3339Nano in UTC (kind's nodes run in UTC), trailing zeros of the fraction
    dropped: containerd's CRI log lines, `kubectl logs --timestamps`."""
    whole, micros = divmod(round(ts * 1e6), 1_000_000)  # the twin's clock keeps microseconds
    frac = f".{micros * 1000:09d}".rstrip("0").rstrip(".")
    return f"{utc(whole):%Y-%m-%dT%H:%M:%S}{frac}Z"


def rfc3339nano_fixed(ns: int) -> str:
    """The kubelet's RFC3339NanoFixed (pkg/kubelet/types: always nine fraction digits), in UTC,
    of a time in integer nanoseconds (a float cannot hold them): kubernetes.io/config.seen."""
    whole, frac = divmod(ns, 1_000_000_000)
    return f"{utc(whole):%Y-%m-%dT%H:%M:%S}.{frac:09d}Z"


def parse_rfc3339(value: str | None) -> float:
    """The inverse of `rfc3339`; an absent timestamp reads as the epoch."""
    if not value:
        return 0.0
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()


def human_age(seconds: float) -> str:
    """kubectl's `duration.HumanDuration` (k8s.io/apimachinery/pkg/util/duration)."""
    s = int(seconds)
    if s < 0:
        s = 0
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        rem = s % 60
        return f"{minutes}m{rem}s" if rem else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        rem = (s % 3600) // 60
        return f"{hours}h{rem}m" if rem else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rem = hours % 24
        return f"{hours // 24}d{rem}h" if rem else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = hours // 24
        rem = days % 365
        return f"{days // 365}y{rem}d" if rem else f"{days // 365}y"
    return f"{hours // 24 // 365}y"


def docker_human(seconds: float) -> str:
    """docker/go-units `HumanDuration`, which crictl uses for CREATED (`… ago` added by caller)."""
    s = int(seconds)
    if s < 1:
        return "Less than a second"
    if s == 1:
        return "1 second"
    if s < 60:
        return f"{s} seconds"
    minutes = s // 60
    if minutes == 1:
        return "About a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    hours = round(s / 3600)
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return f"{hours} hours"
    if hours < 24 * 7 * 2:
        return f"{hours // 24} days"
    if hours < 24 * 30 * 2:
        return f"{hours // 24 // 7} weeks"
    if hours < 24 * 365 * 2:
        return f"{hours // 24 // 30} months"
    return f"{hours // 24 // 365} years"
