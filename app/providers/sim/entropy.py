"""Where the twin draws real randomness, so that the training layer knows when a command cannot
be replayed.

The server persists a command as a small journal entry and rebuilds the twin by running the
journal again (app/training/twinlog.py). That is exact only while the twin is deterministic:
same state, same line, same shell session, same time -> same result. A few things are random on
a real node and stay random here (a new private key, a certificate serial, `$RANDOM`); each of
them calls `note()`, and a command that drew randomness is persisted as a full snapshot instead
of a journal entry. tests/providers/sim/test_entropy.py fails when a new source of randomness
appears in the twin without calling `note()`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_local = threading.local()


def note() -> None:
    """Record that the code running on this thread used randomness."""
    _local.drawn = getattr(_local, "drawn", 0) + 1


def drawn() -> int:
    """How many times randomness was drawn on this thread so far."""
    return getattr(_local, "drawn", 0)


class Watch:
    def __init__(self) -> None:
        self.start = drawn()

    @property
    def used(self) -> bool:
        return drawn() != self.start


@contextmanager
def watch() -> Iterator[Watch]:
    """`with watch() as w: ...; w.used` tells whether the block drew randomness."""
    yield Watch()


def randrange(stop: int) -> int:
    """`random.randrange(stop)` that counts as drawn randomness (bash's `$RANDOM`)."""
    import random

    note()
    return random.randrange(stop)  # noqa: S311 - a shell's $RANDOM, not a secret
