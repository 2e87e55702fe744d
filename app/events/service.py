"""Events: a facilitator's game day. Join codes, the event clock, broadcasts, the leaderboard.

The facilitator's actions act on every attempt of the event at once (pause stops every clock,
extend moves every deadline), through the training service's own clock operations.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from app.catalog.loader import Catalog
from app.catalog.variants import describe
from app.events.models import Broadcast, Event
from app.training import service as training
from app.training.models import AnswerRecord, Attempt, CommandRecord

# No 0/O, 1/l/I: a code read off a projector must be typed right the first time.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
REJOIN_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


@dataclass
class Created:
    event: Event
    facilitator_token: str


@dataclass
class Joined:
    attempt: Attempt
    token: str
    rejoin_code: str


def new_code(alphabet: str = CODE_ALPHABET, length: int = CODE_LENGTH) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def scenario_ids(event: Event) -> list[str]:
    return list(json.loads(event.scenario_ids))


def create_event(*, db: Session, catalog: Catalog, name: str, scenario_ids: list[str],
                 mode: str = "individual", duration_s: int | None = None, hints: bool = True,
                 leaderboard: bool = True, choice: str = "order",
                 starts_at: datetime | None = None, start_now: bool = True,
                 seed_mode: str = "shared", seed: int | None = None) -> Created:
    if not scenario_ids:
        raise training.TrainingError("an event needs at least one scenario")
    missing = [s for s in scenario_ids if s not in catalog]
    if missing:
        raise training.NotFound(f"unknown scenario(s): {', '.join(missing)}")
    if mode not in ("individual", "teams"):
        raise training.TrainingError("mode must be 'individual' or 'teams'")
    if choice not in ("order", "pick"):
        raise training.TrainingError("choice must be 'order' or 'pick'")
    if seed_mode not in ("shared", "per-participant"):
        raise training.TrainingError("seed_mode must be 'shared' or 'per-participant'")
    code = new_code()
    while db.get(Event, code) is not None:
        code = new_code()
    token = secrets.token_urlsafe(24)
    event = Event(code=code, name=name.strip()[:120] or "Game day",
                  scenario_ids=json.dumps(scenario_ids), mode=mode, duration_s=duration_s,
                  hints=hints, leaderboard=leaderboard, choice=choice, starts_at=starts_at,
                  seed_mode=seed_mode,
                  seed=secrets.randbelow(2**31) if seed is None else seed,
                  facilitator_token_hash=training.hash_token(token))
    if start_now and starts_at is None:
        event.status, event.started_at = "running", training.now()
    db.add(event)
    db.commit()
    db.refresh(event)
    return Created(event, token)


def get_event(*, db: Session, code: str) -> Event:
    event = db.get(Event, code.strip().upper())
    if event is None:
        raise training.NotFound("event not found")
    if event.status == "waiting" and event.starts_at is not None \
            and training.now() >= training.aware(event.starts_at):
        event.status, event.started_at = "running", training.aware(event.starts_at)
        db.add(event)
        db.commit()
    return event


def authorize_facilitator(event: Event, token: str | None) -> None:
    if not token or not secrets.compare_digest(event.facilitator_token_hash,
                                               training.hash_token(token)):
        raise training.Forbidden("facilitator token required")


def event_of(db: Session, attempt: Attempt) -> Event | None:
    return db.get(Event, attempt.event_code) if attempt.event_code else None


def hints_allowed(db: Session, attempt: Attempt) -> bool:
    event = event_of(db, attempt)
    return event is None or event.hints


def attempts_of(db: Session, event: Event) -> list[Attempt]:
    return list(db.exec(select(Attempt).where(Attempt.event_code == event.code)
                        .order_by(Attempt.started_at)).all())


# --- participants ------------------------------------------------------------------------


def join(*, db: Session, catalog: Catalog, provider: Any, event: Event, name: str,
         team: str = "", scenario_id: str | None = None, browser_id: str = "",
         incident_age_s: float = 240.0, seed: int | None = None) -> Joined:
    name = name.strip()[:80]
    if not name:
        raise training.TrainingError("a name is required to join an event")
    if event.mode == "teams" and not team.strip():
        raise training.TrainingError("this event is played in teams: give your team's name")
    if event.status == "ended":
        raise training.Conflict("this event has ended")
    if event.status == "waiting":
        raise training.Conflict("the event has not started yet: wait for the facilitator")
    taken = db.exec(select(Attempt).where(Attempt.event_code == event.code,
                                          Attempt.name == name)).first()
    if taken is not None:
        raise training.Conflict(f"the name {name!r} is taken in this event; if it is yours, "
                                "rejoin with your personal rejoin code")
    ids = scenario_ids(event)
    chosen = scenario_id if event.choice == "pick" and scenario_id in ids else ids[0]
    if event.seed_mode == "shared":  # one variant for everybody: a fair race
        seed = event.seed
    started = training.start_attempt(db=db, catalog=catalog, provider=provider,
                                     scenario_id=chosen, name=name, team=team,
                                     event_code=event.code, seed=seed, browser_id=browser_id,
                                     incident_age_s=incident_age_s,
                                     time_limit_s=event.duration_s)
    rejoin = new_code(REJOIN_ALPHABET, 8)
    attempt = started.attempt
    attempt.rejoin_hash = training.hash_token(rejoin)
    if event.status == "paused":
        training.hold(attempt, training.now())
    db.add(attempt)
    db.commit()
    db.refresh(attempt)
    return Joined(attempt, started.token, rejoin)


def rejoin(*, db: Session, event: Event, name: str, code: str) -> tuple[Attempt, str]:
    """Resume from another device: same name + personal code gives a fresh attempt token."""
    attempt = db.exec(select(Attempt).where(Attempt.event_code == event.code,
                                            Attempt.name == name.strip()[:80])).first()
    if attempt is None or not attempt.rejoin_hash or not secrets.compare_digest(
            attempt.rejoin_hash, training.hash_token(code.strip().lower())):
        raise training.Forbidden("no participant with that name and rejoin code")
    token = secrets.token_urlsafe(24)
    attempt.token_hash = training.hash_token(token)  # the new device takes over
    db.add(attempt)
    db.commit()
    return attempt, token


# --- the facilitator's actions -------------------------------------------------------------


def start(*, db: Session, event: Event) -> Event:
    if event.status == "waiting":
        event.status, event.started_at = "running", training.now()
        db.add(event)
        db.commit()
    return event


def pause(*, db: Session, event: Event) -> Event:
    if event.status != "running":
        raise training.Conflict(f"cannot pause an event that is {event.status}")
    at = training.now()
    event.status, event.paused_since = "paused", at
    for a in attempts_of(db, event):
        training.hold(a, at)
        db.add(a)
    db.add(event)
    db.commit()
    return event


def resume(*, db: Session, event: Event) -> Event:
    if event.status != "paused":
        raise training.Conflict("the event is not paused")
    at = training.now()
    for a in attempts_of(db, event):
        training.release(a, at)
        db.add(a)
    event.status, event.paused_since = "running", None
    db.add(event)
    db.commit()
    return event


def extend(*, db: Session, event: Event, minutes: int) -> Event:
    if not 1 <= minutes <= 240:
        raise training.TrainingError("extend by 1 to 240 minutes")
    for a in attempts_of(db, event):
        training.extend(a, minutes * 60)
        db.add(a)
    db.commit()
    return event


def broadcast(*, db: Session, event: Event, text: str, kind: str = "message") -> Broadcast:
    text = text.strip()[:500]
    if not text:
        raise training.TrainingError("a broadcast needs a message")
    msg = Broadcast(event_code=event.code, text=text, kind=kind)
    db.add(msg)
    db.commit()
    db.refresh(msg)
    return msg


def reveal_hint(*, db: Session, catalog: Catalog, event: Event, index: int) -> Broadcast:
    """Show hint `index` of the event's first scenario to everyone, without penalty (in the
    shared variant's words; with a seed per participant, the canonical drill's)."""
    first = scenario_ids(event)[0]
    scenario = training.scenario_for(catalog, first, event.seed if event.seed_mode == "shared"
                                     else 0)
    if not 0 <= index < len(scenario.hints):
        raise training.TrainingError(f"the scenario has {len(scenario.hints)} hints")
    return broadcast(db=db, event=event, text=scenario.hints[index].text, kind="hint")


def end(*, db: Session, catalog: Catalog, event: Event) -> Event:
    if event.status == "paused":
        resume(db=db, event=event)
    for a in attempts_of(db, event):
        training.finish(db=db, catalog=catalog, attempt=a)
    event.status, event.ended_at = "ended", training.now()
    db.add(event)
    db.commit()
    return event


def broadcasts(*, db: Session, event: Event) -> list[Broadcast]:
    return list(db.exec(select(Broadcast).where(Broadcast.event_code == event.code)
                        .order_by(Broadcast.id)).all())


# --- what the room sees --------------------------------------------------------------------


def leaderboard(*, db: Session, catalog: Catalog, event: Event) -> dict[str, Any]:
    rows: dict[str, dict[str, Any]] = {}
    for a in attempts_of(db, event):
        training.refresh(db=db, catalog=catalog, attempt=a)
        key = (a.team or a.name) if event.mode == "teams" else (a.name or a.id)
        row = rows.setdefault(key, {"name": a.name if event.mode != "teams" else key,
                                    "team": a.team, "score": 0, "solved": 0, "time_s": 0.0})
        row["score"] += a.score
        if a.solved:
            row["solved"] += 1
            row["time_s"] = round(row["time_s"] + training.elapsed_s(a), 1)
    db.commit()
    entries = sorted(rows.values(), key=lambda r: (-r["score"], r["time_s"], r["name"]))
    return {"entries": entries}


def participant_status(a: Attempt, last_command_age_s: float | None) -> str:
    if a.solved:
        return "answered"
    if a.fixed:
        return "fixed"
    if a.status != "active":
        return {"gave_up": "gave up", "expired": "out of time", "provisioning": "starting",
                "failed": "could not start"}.get(a.status, a.status)
    if last_command_age_s is None:
        return "joined"
    return "stuck" if last_command_age_s > 180 else "investigating"


def control_room(*, db: Session, catalog: Catalog, event: Event) -> dict[str, Any]:
    """Everything the facilitator's live view shows."""
    people = []
    now = training.now()
    programs: dict[str, int] = {}
    solve_times = []
    for a in attempts_of(db, event):
        training.refresh(db=db, catalog=catalog, attempt=a)
        cmds = list(db.exec(select(CommandRecord).where(CommandRecord.attempt_id == a.id)
                            .order_by(CommandRecord.id)).all())
        wrong = a.wrong_answers
        last = cmds[-1] if cmds else None
        age = (now - training.aware(last.at)).total_seconds() if last else None
        for c in cmds:
            prog = " ".join(c.command.split()[:2])
            programs[prog] = programs.get(prog, 0) + 1
        if a.solved:
            solve_times.append(training.elapsed_s(a))
        people.append({"name": a.name, "team": a.team, "scenario_id": a.scenario_id,
                       "status": participant_status(a, age),
                       "elapsed_s": round(training.elapsed_s(a)), "hints": a.hints_taken,
                       "wrong": wrong, "score": a.score,
                       "last_command": last.command if last else "", "attempt_id": a.id})
    db.commit()
    solve_times.sort()
    return {"participants": people,
            "counts": {s: sum(1 for p in people if p["status"] == s)
                       for s in ("joined", "investigating", "stuck", "fixed", "answered")},
            "first_solve_s": round(solve_times[0]) if solve_times else None,
            "median_solve_s": round(solve_times[len(solve_times) // 2]) if solve_times else None,
            "top_commands": sorted(programs.items(), key=lambda kv: -kv[1])[:10]}


def _seed_row(catalog: Catalog, scenario_id: str, v: dict[str, Any]) -> dict[str, Any]:
    """One variant's results: which values the seed picked, solve rate, median time."""
    times = sorted(v.pop("times"))
    values = catalog.values(scenario_id, v["seed"]) if scenario_id in catalog else {}
    return v | {"variant": describe(values), "median_time_s": round(times[len(times) // 2])
                if times else None,
                "solve_rate": round(v["solved"] / v["attempts"], 2) if v["attempts"] else 0.0}


def report(*, db: Session, catalog: Catalog, event: Event) -> dict[str, Any]:
    """After the event: per scenario solve rate, times, hints, common wrong answers."""
    per: dict[str, dict[str, Any]] = {}
    rows = []
    for a in attempts_of(db, event):
        training.refresh(db=db, catalog=catalog, attempt=a)
        s = per.setdefault(a.scenario_id, {"scenario_id": a.scenario_id, "attempts": 0,
                                           "solved": 0, "times": [], "hints": 0,
                                           "wrong_answers": {}, "commands": {}, "seeds": {}})
        v = s["seeds"].setdefault(a.seed, {"seed": a.seed, "attempts": 0, "solved": 0,
                                           "times": []})
        v["attempts"] += 1
        v["solved"] += a.solved
        if a.solved:
            v["times"].append(training.elapsed_s(a))
        s["attempts"] += 1
        s["hints"] += a.hints_taken
        if a.solved:
            s["solved"] += 1
            s["times"].append(training.elapsed_s(a))
        for ans in db.exec(select(AnswerRecord).where(AnswerRecord.attempt_id == a.id,
                                                      AnswerRecord.correct.is_(False))  # type: ignore[attr-defined]
                           ).all():
            key = f"{ans.component}: {ans.cause[:60]}"
            s["wrong_answers"][key] = s["wrong_answers"].get(key, 0) + 1
        for c in db.exec(select(CommandRecord).where(CommandRecord.attempt_id == a.id)).all():
            prog = " ".join(c.command.split()[:2])
            s["commands"][prog] = s["commands"].get(prog, 0) + 1
        rows.append({"name": a.name, "team": a.team, "scenario_id": a.scenario_id,
                     "status": a.status, "solved": a.solved, "fixed": a.fixed,
                     "score": a.score, "elapsed_s": round(training.elapsed_s(a), 1),
                     "hints": a.hints_taken, "wrong_answers": a.wrong_answers, "seed": a.seed})
    db.commit()
    scenarios = []
    for s in per.values():
        times = sorted(s.pop("times"))
        s["solve_rate"] = round(s["solved"] / s["attempts"], 2) if s["attempts"] else 0.0
        s["median_time_s"] = round(times[len(times) // 2]) if times else None
        s["common_wrong_answers"] = sorted(s.pop("wrong_answers").items(),
                                           key=lambda kv: -kv[1])[:5]
        s["top_commands"] = sorted(s.pop("commands").items(), key=lambda kv: -kv[1])[:8]
        s["title"] = catalog.get(s["scenario_id"]).title if s["scenario_id"] in catalog else ""
        s["seeds"] = [_seed_row(catalog, s["scenario_id"], v)
                      for _, v in sorted(s["seeds"].items())]
        scenarios.append(s)
    return {"event": {"code": event.code, "name": event.name, "status": event.status,
                      "mode": event.mode, "seed_mode": event.seed_mode},
            "scenarios": scenarios, "participants": rows,
            "leaderboard": leaderboard(db=db, catalog=catalog, event=event)["entries"]}
