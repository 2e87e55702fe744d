"""The score formula documented in the README."""

from __future__ import annotations

from app.training.scoring import score, time_factor


def test_full_time_score_at_or_under_par() -> None:
    assert time_factor(100, 480, 1200) == 1.0
    assert time_factor(480, 480, 1200) == 1.0


def test_time_factor_falls_linearly_to_the_floor() -> None:
    assert time_factor(840, 480, 1200) == 0.75
    assert time_factor(1200, 480, 1200) == 0.5
    assert time_factor(5000, 480, 1200) == 0.5


def test_the_readme_worked_example() -> None:
    b = score(difficulty=2, solved=True, fixed=True, elapsed_s=840, par_s=480, limit_s=1200,
              hint_penalties=[10, 20], wrong_answers=1)
    assert (b.base, b.time_points, b.hint_penalty, b.wrong_answer_penalty, b.fix_bonus,
            b.total) == (200, 150, 30, 15, 50, 155)


def test_an_unsolved_fix_still_earns_its_bonus() -> None:
    b = score(difficulty=2, solved=False, fixed=True, elapsed_s=300, par_s=480, limit_s=1200,
              hint_penalties=[], wrong_answers=0)
    assert b.total == 50


def test_the_score_never_goes_below_zero() -> None:
    b = score(difficulty=1, solved=False, fixed=False, elapsed_s=300, par_s=480, limit_s=1200,
              hint_penalties=[10, 20, 30], wrong_answers=9)
    assert b.total == 0
