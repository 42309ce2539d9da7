"""The coalescer of the staff's participant counts: folded, never older than the last join, tried again on failure."""

from __future__ import annotations

import threading
import time

from consult.realtime import CountsCoalescer


def settle(coalescer: CountsCoalescer, timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while coalescer.active and time.monotonic() < deadline:
        time.sleep(0.005)
    assert not coalescer.active, "the coalescer's task did not end"


def test_joins_while_a_send_waits_fold_into_one_send(app):
    sent = []
    coalescer = CountsCoalescer(lambda _app, workshop_id: sent.append(time.monotonic()), interval=0.5)
    coalescer.offer(app, 7)
    settle(coalescer)
    assert len(sent) == 1  # a quiet room's first join goes out at once
    joined = threading.Event()

    def hall() -> None:  # a hall scanning the code: 20 joins, as fast as they come
        for _ in range(20):
            coalescer.offer(app, 7)
        joined.set()

    threading.Thread(target=hall).start()
    assert joined.wait(3)
    settle(coalescer)
    # Folded into one send, which waited for the interval: however slow the machine, never sooner.
    assert len(sent) == 2 and sent[1] >= sent[0] + 0.5


def test_a_join_committed_during_the_read_gets_a_read_of_its_own(app):
    reads = []
    reading, release = threading.Event(), threading.Event()

    def send(_app, workshop_id):
        reads.append(workshop_id)
        if len(reads) == 1:
            reading.set()
            assert release.wait(3)

    coalescer = CountsCoalescer(send, interval=0.05)
    coalescer.offer(app, 3)
    assert reading.wait(3)
    coalescer.offer(app, 3)  # the first read may not see this join: a second read must follow it
    assert coalescer.active == {3}
    release.set()
    settle(coalescer)
    assert reads == [3, 3]


def test_a_failing_read_is_tried_again_a_few_times_then_left_to_the_next_join(app):
    tries = []

    def send(_app, workshop_id):
        tries.append(workshop_id)
        raise RuntimeError("the pool is busy")

    coalescer = CountsCoalescer(send, interval=0.02)
    coalescer.offer(app, 5)
    settle(coalescer)
    assert tries == [5] * CountsCoalescer.RETRIES
    coalescer.offer(app, 5)  # the next join starts afresh
    settle(coalescer)
    assert len(tries) == 2 * CountsCoalescer.RETRIES


def test_drain_sends_what_waits_at_once(app):
    sent = []
    coalescer = CountsCoalescer(lambda _app, workshop_id: sent.append(workshop_id), interval=3600)
    coalescer.offer(app, 1)
    settle(coalescer)
    coalescer.offer(app, 1)  # due in an hour
    drained = threading.Event()
    threading.Thread(target=lambda: (coalescer.drain(), drained.set())).start()
    assert drained.wait(10) and sent == [1, 1]  # not an hour later
