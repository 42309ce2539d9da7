"""Fuzzing fixtures: one app on SQLite for the whole run, a workshop with people in it, hostile values, a tally.

Each door (a socket event as a role, an HTTP endpoint) counts its inputs, refusals, 5xx answers and tracebacks;
the tally is printed at the end of the run and written to tests/artifacts/fuzz.txt.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from consult.extensions import db, limiter
from consult.models import Item, Participant, Recommendation, Workshop
from consult.services import unit_of_work
from consult.services.access import Actor
from consult.services.consultation import consultation_step, open_consultation, post_comment
from consult.services.errors import CODES
from consult.services.items import post_item
from consult.services.processes import attach_workshop, create_process, publish_workshop, update_process
from consult.services.recommendations import save_recommendation
from consult.services.workshops import close_workshop
from tests.conftest import make_facilitator, make_participant, make_workshop, running_app

ARTIFACT = Path(__file__).resolve().parents[1] / "artifacts" / "fuzz.txt"
COLUMNS = ("inputs", "refusals", "5xx", "tracebacks")
TALLY: dict[str, Counter] = defaultdict(Counter)

# Bounded so that the whole fuzz suite stays near a minute on a laptop core.
FUZZ = settings(
    max_examples=15,
    deadline=None,
    database=None,
    derandomize=bool(os.environ.get("CI")),  # CI replays the same inputs; a developer's run explores new ones
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Hostile values for any field: wrong types, extreme numbers, text that breaks storage or display.
HOSTILE_TEXT = st.sampled_from(
    [
        "",
        " ",
        "\ud800",
        "a\udfffb",
        "\x00",
        "nul\x00in text",
        "\x1b[31m\x07\x7f\x85",
        "\u202eevil\u202c",
        "\u2066isolate\u2069",
        "\ufeff\u200b\u200d",
        "0",
        "-1",
        "1e9",
        "9" * 40,
        "١٢",
        "²",
        "<script>alert(1)</script>",
        '=HYPERLINK("http://x")',
        "'; DROP TABLE items; --",
        "%s%(x)s{0}",
        "x" * 5000,
        "ب" * 1001,
        "😀" * 300,
        "ⵜⴰⵎⴰⵣⵉⵖⵜ",
    ]
)
HOSTILE_NUMBER = st.one_of(
    st.sampled_from([0, -1, -(2**63), 2**63 - 1, 2**63, 2**64, 10**30, -(10**30)]),
    st.integers(),
    st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 1e308, 0.5]),
    st.floats(allow_nan=True, allow_infinity=True),
)
SCALAR = st.one_of(st.none(), st.booleans(), HOSTILE_NUMBER, HOSTILE_TEXT, st.text(max_size=50))
HOSTILE = st.recursive(
    SCALAR,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)


def nasty() -> list:
    """One of each kind of hostile value: every field of every door is tried with each, not left to chance."""
    return [None, True, 2**64, math.nan, "\ud800", "a\x00b", "x" * 5000, [], {}]


def deep(depth: int) -> list:
    """A list nested depth times: [[[...]]]."""
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


class ErrorLog(logging.Handler):
    """Every record at ERROR or above, from any logger (Flask, the live namespace, Socket.IO, Engine.IO)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def take(self) -> list[str]:
        taken = [f"{r.name}: {r.getMessage()}\n{self.format(r) if r.exc_info else ''}" for r in self.records]
        self.records.clear()
        return taken


@pytest.fixture(scope="session")
def error_log():
    handler = ErrorLog()
    handler.setFormatter(logging.Formatter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory, error_log):
    """One app per fuzz module (the socketio extension serves the last app built); 5xx answered as in production."""
    yield from running_app(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.sqlite'}", PROPAGATE_EXCEPTIONS=False)


class World:
    """A workshop with a facilitator, a rapporteur, a participant, items, a vote and a recommendation."""

    def __init__(self) -> None:
        self.facilitator = make_facilitator()
        self.workshop = make_workshop(self.facilitator)
        self.rapporteur, self.rapporteur_token = make_participant(self.workshop, 0, nickname="Rapporteur")
        self.participant, self.participant_token = make_participant(self.workshop, 0, nickname="Phone")
        self.group = self.workshop.groups[0]
        self.group.rapporteur_id = self.rapporteur.id
        db.session.commit()
        other, _token = make_participant(self.workshop, 1, nickname="Other group")
        with unit_of_work():
            first, _ = post_item(self.workshop, self.participant, group_id=self.group.id, kind="problem",
                                 text="غياب الإنارة العمومية", client_id="seed-1")  # fmt: skip
            post_item(self.workshop, self.participant, group_id=self.group.id, kind="solution",
                      text="Installer des lampadaires", client_id="seed-2", parent_id=first.id)  # fmt: skip
            post_item(self.workshop, self.rapporteur, group_id=self.group.id, kind="problem",
                      text="ⴰⵎⴰⵏ ⵏ ⵓⵙⵓ", client_id="seed-3")  # fmt: skip
            post_item(self.workshop, other, group_id=self.workshop.groups[1].id, kind="problem",
                      text="ضعف التواصل", client_id="seed-4")  # fmt: skip
        self.workshop_id = self.workshop.id
        self.code = self.workshop.code
        # A published process holding the workshop, its consultation on the draft open, one comment waiting.
        # The draft comes from an earlier workshop, closed and published; the fuzzed one stays open.
        earlier = make_workshop(self.facilitator, title="Atelier précédent")
        with unit_of_work():
            rec = save_recommendation(
                earlier, Actor(user=self.facilitator), {"theme_id": earlier.themes[0].id, "title": "Éclairage"}
            )
            close_workshop(earlier, self.facilitator)
            process = create_process(self.facilitator, title="Programme", kind="open_commune")
            attach_workshop(process, self.workshop, self.facilitator)
            attach_workshop(process, earlier, self.facilitator)
            publish_workshop(earlier, self.facilitator)
            update_process(process, self.facilitator, title="Programme", kind="open_commune", published=True)
            step = consultation_step(process)
            open_consultation(step, self.facilitator)
            comment = post_comment(step, text="Et les douars ?", consent=True, recommendation=rec, browser="seed")
        self.process_id, self.rec_id, self.comment_id = process.id, rec.id, comment.id
        self.public_path = f"/p/{process.commune.slug}/{process.slug}"

    def ids(self, model) -> list[int]:
        column = model.workshop_id if hasattr(model, "workshop_id") else None
        query = select(model.id) if column is None else select(model.id).where(column == self.workshop_id)
        return list(db.session.scalars(query)) or [1]


@pytest.fixture(scope="module")
def world(fuzz_app) -> World:
    return World()


def plausible(world: World) -> st.SearchStrategy:
    """Values a real screen might send: ids that exist, names the services know. They reach deeper code."""
    with_ids = st.one_of(
        st.sampled_from(world.ids(Item)),
        st.sampled_from(world.ids(Participant)),
        st.sampled_from([g.id for g in world.workshop.groups]),
        st.sampled_from([t.id for t in world.workshop.themes]),
        st.sampled_from(world.ids(Recommendation)),
    )
    words = st.sampled_from(
        ["problem", "solution", "problems", "solutions", "prioritization", "synthesis", "welcome", "closed",
         "start", "pause", "resume", "add", "stop", "retained", "not_retained", "merged", "public", "staff",
         "adopted", "citizen", "female", "18_29", "نص عادي", "c-1", "c-2", "2026-12-01", "support", "withdraw",
         "approve", "reject", "merge", "unmerge", "taken", "covered", "not_taken", "paper", "office", "y"]
    )  # fmt: skip
    return st.one_of(with_ids, words, st.lists(with_ids, max_size=3), st.booleans(), st.integers(0, 600))


HASHED = (
    "workshops", "groups", "participants", "items", "votes", "recommendations", "processes", "process_steps",
    "adoptions", "follow_up_updates", "documents", "consultation_comments", "consultation_supports",
)  # fmt: skip


def snapshot() -> tuple[dict[str, int], str]:
    """Row counts of every table, the workshops' sequences, and a hash of the rows a refusal could alter."""
    counts: dict[str, int] = {}
    digest = hashlib.sha256()
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            if table.name not in HASHED:  # the event log only grows: its count and the seqs show any change
                counts[table.name] = connection.execute(select(func.count()).select_from(table)).scalar_one()
                continue
            rows = connection.execute(table.select().order_by(*table.primary_key.columns)).all()
            counts[table.name] = len(rows)
            digest.update(repr((table.name, rows)).encode("utf-8", "backslashreplace"))
        for row in connection.execute(text(f"SELECT id, last_seq, staff_seq FROM {Workshop.__tablename__}")):
            counts[f"workshop {row.id} seqs"] = (row.last_seq, row.staff_seq)
    return counts, digest.hexdigest()


def is_refusal(body: object) -> bool:
    """{ok: false, error: {code in the five codes, message non-empty}}."""
    if not isinstance(body, dict) or body.get("ok") is not False:
        return False
    error = body.get("error")
    return (
        isinstance(error, dict)
        and error.get("code") in CODES
        and isinstance(error.get("message"), str)
        and bool(error["message"].strip())
    )


def pytest_terminal_summary(terminalreporter):
    if not TALLY:
        return
    width = max(len(door) for door in TALLY)
    lines = [f"{'door':<{width}}  " + "  ".join(f"{c:>10}" for c in COLUMNS)]
    for door in sorted(TALLY):
        lines.append(f"{door:<{width}}  " + "  ".join(f"{TALLY[door][c]:>10}" for c in COLUMNS))
    total = Counter()
    for counter in TALLY.values():
        total.update(counter)
    lines.append(f"{'total':<{width}}  " + "  ".join(f"{total[c]:>10}" for c in COLUMNS))
    ARTIFACT.parent.mkdir(exist_ok=True)
    ARTIFACT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    terminalreporter.section("fuzz: inputs per door")
    for line in lines:
        terminalreporter.write_line(line)


@pytest.fixture(autouse=True)
def fresh_throttles(fuzz_app):
    """Each fuzz test starts with empty throttle counts: the fuzz is about hostile values, not about knocking often
    (tests/web/test_security.py and tests/realtime/test_throttle.py are)."""
    limiter.reset()
