"""Cron schedules as robfig/cron v3 ParseStandard reads them (the CronJob controller's parser)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.providers.sim import cronsched


def at(*args: int) -> float:
    return datetime(*args, tzinfo=UTC).timestamp()


def nxt(spec: str, t: float, tz: str | None = None) -> datetime:
    value = cronsched.next_after(cronsched.parse(spec), t, cronsched.zone(tz))
    assert value is not None
    return datetime.fromtimestamp(value, UTC)


@pytest.mark.parametrize(("spec", "expected"), [
    ("* * * * *", datetime(2026, 11, 26, 6, 43, tzinfo=UTC)),
    ("*/5 * * * *", datetime(2026, 11, 26, 6, 45, tzinfo=UTC)),
    ("0 * * * *", datetime(2026, 11, 26, 7, 0, tzinfo=UTC)),
    ("@hourly", datetime(2026, 11, 26, 7, 0, tzinfo=UTC)),
    ("@daily", datetime(2026, 11, 27, 0, 0, tzinfo=UTC)),
    ("@weekly", datetime(2026, 11, 29, 0, 0, tzinfo=UTC)),  # Sunday
    ("@monthly", datetime(2026, 12, 1, 0, 0, tzinfo=UTC)),
    ("@yearly", datetime(2027, 1, 1, 0, 0, tzinfo=UTC)),
    ("15,45 9-17 * * MON-FRI", datetime(2026, 11, 26, 9, 15, tzinfo=UTC)),  # a Thursday
    ("0 9 * * sat", datetime(2026, 11, 28, 9, 0, tzinfo=UTC)),
    ("30 2 1 jan ?", datetime(2027, 1, 1, 2, 30, tzinfo=UTC)),
    ("10-20/5 * * * *", datetime(2026, 11, 26, 7, 10, tzinfo=UTC)),
    ("50/5 * * * *", datetime(2026, 11, 26, 6, 50, tzinfo=UTC)),
])
def test_next_time_after_a_thursday_morning(spec: str, expected: datetime) -> None:
    assert nxt(spec, at(2026, 11, 26, 6, 42, 30)) == expected


def test_the_next_time_is_strictly_after_the_given_instant() -> None:
    assert nxt("*/5 * * * *", at(2026, 11, 26, 6, 45)) == datetime(2026, 11, 26, 6, 50,
                                                                      tzinfo=UTC)


def test_restricted_day_of_month_and_weekday_match_either() -> None:
    # robfig dayMatches: both restricted -> OR; the 1st of December 2026 is a Tuesday.
    assert nxt("0 0 1 * FRI", at(2026, 11, 26)) == datetime(2026, 11, 27, tzinfo=UTC)
    assert nxt("0 0 1 * *", at(2026, 11, 26)) == datetime(2026, 12, 1, tzinfo=UTC)


def test_time_zone_moves_the_wall_clock_time() -> None:
    # 02:30 in New York (EST, UTC-5 in November) is 07:30 UTC.
    assert nxt("30 2 * * *", at(2026, 11, 26, 6), "America/New_York") == datetime(
        2026, 11, 26, 7, 30, tzinfo=UTC)


def test_every_descriptor_counts_from_the_instant() -> None:
    assert nxt("@every 90s", at(2026, 11, 26)) == datetime(2026, 11, 26, 0, 1, 30, tzinfo=UTC)


@pytest.mark.parametrize(("spec", "message"), [
    ("* * * *", "expected exactly 5 fields, found 4: * * * *"),
    ("61 * * * *", "end of range (61) above maximum (59): 61"),
    ("@fortnightly", "unrecognized descriptor: @fortnightly"),
    ("x * * * *", 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'),
])
def test_bad_schedules_say_why_as_robfig_does(spec: str, message: str) -> None:
    with pytest.raises(cronsched.ScheduleError, match=None) as err:
        cronsched.parse(spec)
    assert str(err.value) == message


def test_unknown_time_zone_is_an_error() -> None:
    with pytest.raises(cronsched.ScheduleError):
        cronsched.zone("Mars/Olympus_Mons")


def test_most_recent_returns_the_latest_missed_time_and_a_count() -> None:
    sched = cronsched.parse("*/10 * * * *")
    latest, missed = cronsched.most_recent(sched, at(2026, 11, 26, 6, 0), at(2026, 11, 26, 7, 5))
    assert latest == at(2026, 11, 26, 7, 0)
    assert missed == 6
    assert cronsched.most_recent(sched, at(2026, 11, 26, 6, 0), at(2026, 11, 26, 6, 5)) == (
        None, 0)


def test_most_recent_is_exact_for_irregular_schedules() -> None:
    sched = cronsched.parse("30 6-16/4 * * 1-5")
    latest, _ = cronsched.most_recent(sched, at(2026, 11, 20), at(2026, 11, 26, 12))
    assert latest == at(2026, 11, 26, 10, 30)
