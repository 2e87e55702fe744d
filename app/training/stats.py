"""Which commands trainees type that the twin does not know: the gaps worth filling next."""

from __future__ import annotations

import shlex
from collections import Counter

from sqlmodel import Session, select

from app.training.models import Attempt, CommandRecord


def _program(line: str) -> str:
    try:
        words = shlex.split(line)
    except ValueError:
        words = line.split()
    while words and "=" in words[0] and not words[0].startswith("="):
        words = words[1:]  # VAR=x cmd
    return words[0] if words else ""


def unknown_commands(db: Session) -> list[tuple[str, str, int]]:
    """(scenario, program, count) of command lines that ended with bash's 127, most first."""
    rows = db.exec(select(Attempt.scenario_id, CommandRecord.command)
                   .join(Attempt, Attempt.id == CommandRecord.attempt_id)
                   .where(CommandRecord.exit_code == 127)).all()
    counts = Counter((scenario, _program(cmd)) for scenario, cmd in rows)
    return [(s, p, n) for (s, p), n in counts.most_common()]
