"""A rebuild while another process follows the log: the follower carries on, the views end right."""

from __future__ import annotations

import threading
from itertools import cycle

from adapters.storage.database import parse_database_url
from adapters.storage.read_side import ReadSide, open_read_side
from domain.ledger import Ledger
from projections.catalogue import READ_MODELS
from tests.integration.test_projections import dump_tables
from tests.integration.test_rebuild import rebuilt, rounds_of, write

ROUNDS = 24
"""Rounds of traffic, each followed by the rebuild of one view (every view in turn)."""


class Follower:
    """Catches a read side up in a thread, as often as it can, until stopped.

    It calls ``catch_up`` rather than ``follow``: ``follow`` logs and retries what looks like
    a database that is down, which on SQLite includes a table that a rebuild dropped, and the
    test is that no catch-up fails at all.
    """

    def __init__(self, side: ReadSide) -> None:
        self.side = side
        self.error: BaseException | None = None
        self.rounds = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="follower")

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                self.side.catch_up()
                self.rounds += 1
        except BaseException as error:  # whatever stopped it, the test reports
            self.error = error

    def __enter__(self) -> Follower:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def test_a_follower_carries_on_while_views_are_rebuilt(database_url: str, ledger: Ledger) -> None:
    database = parse_database_url(database_url)
    # Small pages on both sides, so their batches interleave through every rebuild.
    with (
        open_read_side(database, page_size=7) as following,
        open_read_side(database, ledger, page_size=7) as rebuilding,
    ):
        with Follower(following) as follower:
            names = cycle(READ_MODELS)
            for inputs in rounds_of(seed=11, messages=120, rounds=ROUNDS):
                write(ledger, inputs)
                rebuilding.rebuild(next(names))
                if follower.error is not None:
                    break

        assert follower.error is None, repr(follower.error)
        assert follower.rounds > 0
        following.catch_up()
        head = ledger.recorder.max_notification_id()
        assert {m.view.position() for m in following.models.values()} == {head}
        # Whatever the follower applied to a view that moved back under it, the views hold
        # what a quiet replay of the log makes.
        assert dump_tables(following) == rebuilt(following)
