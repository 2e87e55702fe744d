"""clock: the twin's time formatting helpers agree with datetime's own rounding."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from app.providers.sim.clock import second_text, split_micro


def test_split_micro_and_second_text_agree_with_datetime() -> None:
    rng = random.Random(7)
    samples = [1764118800.9999996, 1764118800.0000004, 1764118800.5] + \
        [1764118800 + rng.random() * 86400 * 30 for _ in range(20000)]
    for t in samples:
        d = datetime.fromtimestamp(t, UTC)
        seconds, micro = split_micro(t)
        assert (second_text(seconds, "%m%d %H:%M:%S"), micro) == \
            (f"{d:%m%d %H:%M:%S}", d.microsecond), t
