"""journalctl's priority filter (`-p err`, `-p 0..4`) over the twin's journal entries.

A service's stdout/stderr reach journald at the unit's SyslogLevel, `info` (6) by default
(systemd.exec(5) SyslogLevel=): klog's `E...` lines of the kubelet are priority 6 too, so
`journalctl -u kubelet -p err` shows none of them. systemd's own lines: `Failed with result`
is LOG_WARNING (src/core/unit.c unit_log_failure), a failed `Main process exited` is
LOG_NOTICE (src/core/service.c), start/stop messages are LOG_INFO.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

PRIORITIES = ("emerg", "alert", "crit", "err", "warning", "notice", "info", "debug")


def priority_of(pid: int, message: str) -> int:
    if pid == 1 and "Failed with result" in message:
        return 4
    if pid == 1 and "Main process exited" in message and "status=0/SUCCESS" not in message:
        return 5
    return 6


def parse_priority(value: str) -> int | None:
    """The most verbose priority kept: `err`, `3`, or the upper end of a `FROM..TO` range."""
    word = value.split("..")[-1] if ".." in value else value
    word = word.strip().lower()
    if word.isdigit() and int(word) < len(PRIORITIES):
        return int(word)
    if word in PRIORITIES:
        return PRIORITIES.index(word)
    return {"emergency": 0, "critical": 2, "error": 3, "warn": 4}.get(word)


def absolute_since(now: float, text: str) -> float | None:
    """`--since "2025-11-26 00:55:00"`, `"2025-11-26 00:55"`, `"00:55"`, `today`, `yesterday`
    (systemd.time(7) timestamps; the node's zone is UTC)."""
    text = text.strip()
    today = datetime.fromtimestamp(now, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if text in ("today", "yesterday", "now"):
        day = {"today": today, "yesterday": today - timedelta(days=1)}.get(text)
        return now if day is None else day.timestamp()
    m = re.fullmatch(r"(?:(\d{4})-(\d{2})-(\d{2}))?\s*(?:(\d{1,2}):(\d{2})(?::(\d{2}))?)?", text)
    if m is None or not text:
        return None
    y, mo, d, hh, mm, ss = m.groups()
    base = today if y is None else datetime(int(y), int(mo), int(d), tzinfo=UTC)
    return base.replace(hour=int(hh or 0), minute=int(mm or 0), second=int(ss or 0)).timestamp()
