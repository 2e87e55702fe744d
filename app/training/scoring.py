"""The score and its breakdown; the README's "Scoring" section documents the same formula."""

from __future__ import annotations

from dataclasses import asdict, dataclass

BASE_PER_DIFFICULTY = 100
TIME_FLOOR = 0.5  # at the time limit, half the base points
WRONG_ANSWER_PENALTY = 15
FIX_BONUS_SHARE = 0.25


@dataclass
class Breakdown:
    base: int
    time_factor: float
    time_points: int
    hint_penalty: int
    wrong_answer_penalty: int
    fix_bonus: int
    total: int

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def time_factor(elapsed_s: float, par_s: float, limit_s: float) -> float:
    if elapsed_s <= par_s:
        return 1.0
    if elapsed_s >= limit_s or limit_s <= par_s:
        return TIME_FLOOR
    frac = (elapsed_s - par_s) / (limit_s - par_s)
    return round(1.0 - (1.0 - TIME_FLOOR) * frac, 4)


def score(*, difficulty: int, solved: bool, fixed: bool, elapsed_s: float, par_s: float,
          limit_s: float, hint_penalties: list[int], wrong_answers: int) -> Breakdown:
    base = BASE_PER_DIFFICULTY * difficulty
    factor = time_factor(elapsed_s, par_s, limit_s)
    time_points = round(base * factor) if solved else 0
    hints = sum(hint_penalties)
    wrong = WRONG_ANSWER_PENALTY * wrong_answers
    bonus = round(base * FIX_BONUS_SHARE) if fixed else 0
    total = max(0, time_points - hints - wrong + bonus)
    return Breakdown(base, factor if solved else 0.0, time_points, hints, wrong, bonus, total)
