"""Cron schedules as the CronJob controller reads them (robfig/cron v3 `ParseStandard`).

Five fields (minute hour day-of-month month day-of-week) with `*`, `?`, ranges `a-b`, steps
`*/n`, `a-b/n`, `a/n` (a to the field's maximum), lists `a,b`, month and weekday names
(`JAN`, `MON`, case-insensitive), and the descriptors `@yearly`/`@annually`, `@monthly`,
`@weekly`, `@daily`/`@midnight`, `@hourly`, `@every <duration>`. Like robfig's `dayMatches`,
when both day fields are restricted a day matches either of them; when one is `*` or `?`, both
must match. Times are computed in the CronJob's `spec.timeZone` (IANA name) or UTC — the
kube-controller-manager of a kind node runs in UTC.

`next_after(schedule, t, tz)` is what the controller needs: the first schedule time strictly
after `t`. It walks months, days, hours and minutes, skipping whole units that cannot match, so
one call costs microseconds, not a minute-by-minute scan.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_MONTHS = {m: i + 1 for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}
_DAYS = {d: i for i, d in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])}
_BOUNDS = ((0, 59, {}), (0, 23, {}), (1, 31, {}), (1, 12, _MONTHS), (0, 6, _DAYS))
_DESCRIPTORS = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
                "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
                "@hourly": "0 * * * *"}


class ScheduleError(ValueError):
    """The schedule does not parse; str() is robfig's message."""


@dataclass(frozen=True)
class Schedule:
    minutes: frozenset[int]
    hours: frozenset[int]
    dom: frozenset[int]
    months: frozenset[int]
    dow: frozenset[int]
    dom_star: bool
    dow_star: bool
    every: float = 0.0  # @every: a fixed period in seconds instead of fields

    def day_matches(self, d: datetime) -> bool:
        dom_ok = d.day in self.dom
        dow_ok = (d.isoweekday() % 7) in self.dow
        if self.dom_star or self.dow_star:
            return dom_ok and dow_ok
        return dom_ok or dow_ok


def _value(text: str, names: dict[str, int]) -> int:
    if text.lower() in names:
        return names[text.lower()]
    if not text.isdigit():
        raise ScheduleError(f"failed to parse int from {text}: strconv.Atoi: parsing "
                            f'"{text}": invalid syntax')
    return int(text)


def _field(text: str, lo: int, hi: int, names: dict[str, int]) -> tuple[frozenset[int], bool]:
    values: set[int] = set()
    star = False
    for part in text.split(","):
        rng, _, step_s = part.partition("/")
        step = 1
        if step_s:
            step = _value(step_s, {})
            if step <= 0:
                raise ScheduleError(f"step of range should be a positive number: {part}")
        if rng in ("*", "?"):
            start, end = lo, hi
            star = star or not step_s or step == 1
        else:
            a, dash, b = rng.partition("-")
            start = _value(a, names)
            end = _value(b, names) if dash else (hi if step_s else start)
        if start < lo:
            raise ScheduleError(f"beginning of range ({start}) below minimum ({lo}): {part}")
        if end > hi:
            raise ScheduleError(f"end of range ({end}) above maximum ({hi}): {part}")
        if start > end:
            raise ScheduleError(f"beginning of range ({start}) beyond end of range ({end}): "
                                f"{part}")
        values.update(range(start, end + 1, step))
    return frozenset(values), star


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s)")


@functools.lru_cache(maxsize=256)
def parse(spec: str) -> Schedule:
    spec = spec.strip()
    if spec.startswith("@every "):
        text = spec[len("@every "):].strip()
        parts = _DURATION.findall(text)
        if not parts or "".join(a + u for a, u in parts) != text:
            raise ScheduleError(f"failed to parse duration {spec}: time: invalid duration "
                                f'"{text}"')
        secs = sum(float(a) * {"h": 3600, "m": 60, "s": 1, "ms": 0.001}[u] for a, u in parts)
        period = max(1.0, float(int(secs)))  # robfig: at least one second, whole seconds
        every = frozenset[int]()
        return Schedule(every, every, every, every, every, False, False, period)
    if spec.startswith("@"):
        if spec not in _DESCRIPTORS:
            raise ScheduleError(f"unrecognized descriptor: {spec}")
        spec = _DESCRIPTORS[spec]
    fields = spec.split()
    if len(fields) != 5:
        raise ScheduleError(f"expected exactly 5 fields, found {len(fields)}: {spec}")
    parsed = [_field(f, lo, hi, names) for f, (lo, hi, names) in zip(fields, _BOUNDS,
                                                                       strict=True)]
    return Schedule(parsed[0][0], parsed[1][0], parsed[2][0], parsed[3][0], parsed[4][0],
                    parsed[2][1], parsed[4][1])


def zone(name: str | None) -> ZoneInfo | None:
    """The location of `spec.timeZone` (None: UTC); raises ScheduleError when unknown."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise ScheduleError(f"unknown time zone {name}") from err


def next_after(sched: Schedule, t: float, tz: ZoneInfo | None = None) -> float | None:
    """The first schedule time strictly after `t` (epoch seconds), None within 5 years."""
    if sched.every:
        return float(int(t) + int(sched.every))
    loc = tz or UTC
    d = datetime.fromtimestamp(int(t), loc).replace(second=0) + timedelta(minutes=1)
    limit = d.year + 5
    while d.year <= limit:
        if d.month not in sched.months:
            d = (d.replace(day=1, hour=0, minute=0) + timedelta(days=32)).replace(day=1)
            continue
        if not sched.day_matches(d):
            d = (d + timedelta(days=1)).replace(hour=0, minute=0)
            continue
        if d.hour not in sched.hours:
            d = (d + timedelta(hours=1)).replace(minute=0)
            continue
        if d.minute not in sched.minutes:
            d += timedelta(minutes=1)
            continue
        # Wall-clock arithmetic on an aware datetime: normalise through UTC (DST gaps).
        stamp = d.replace(tzinfo=loc).timestamp() if tz else d.timestamp()
        return float(stamp)
    return None


def most_recent(sched: Schedule, earliest: float, now: float, tz: ZoneInfo | None = None
                ) -> tuple[float | None, int]:
    """(the latest schedule time in (earliest, now], roughly how many were missed): utils.go
    `mostRecentScheduleTime` — the count is (now - t1) / (t2 - t1) + 1 from the first two
    times, and the latest time is found by stepping from two periods before the estimate."""
    t1 = next_after(sched, earliest, tz)
    if t1 is None or t1 > now:
        return None, 0
    t2 = next_after(sched, t1, tz)
    if t2 is None or t2 > now:
        return t1, 1
    period = int(round(t2 - t1))
    missed = int(now - t1) // period + 1
    latest = t1
    nxt = next_after(sched, t1 + (missed - 2) * period, tz)
    while nxt is not None and nxt <= now:
        latest, nxt = nxt, next_after(sched, nxt, tz)
    return latest, missed
