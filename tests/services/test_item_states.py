"""The item state machine from every role: who may do what to an item in each state, and what the room hears of it.

pending -> visible | rejected; visible -> hidden -> visible; visible -> merged -> visible. Only the facilitator approves
and rejects; a held or rejected item does not exist for anybody else; nothing of it reaches the public stream.
"""

import contextlib
import json

import pytest
from sqlalchemy import func, select

from consult.extensions import db
from consult.models import WorkshopEvent
from consult.services import ServiceError
from consult.services.access import Actor
from consult.services.items import approve_item, post_item, reject_item, scribe_post
from consult.services.moderation import (
    edit_item,
    hide_item,
    merge_items,
    move_item,
    pin_item,
    restore_item,
    set_decision,
    set_rapporteur,
    unmerge_item,
)
from consult.services.workshops import update_settings
from tests.conftest import make_participant, run

STATES = ("pending", "visible", "hidden", "merged", "rejected")
# The specification, written out here rather than read from the code under test.
ACCEPTS = {
    "approve": {"pending"},
    "reject": {"pending"},
    "hide": {"visible"},
    "restore": {"hidden"},
    "merge": {"visible"},
    "unmerge": {"merged"},
    "edit": {"visible", "hidden"},
    "pin": {"visible"},
    "decide": {"visible"},
    "move": {"visible"},
}
ROLES = ("facilitator", "rapporteur", "other_rapporteur", "participant")


def expected(role: str, state: str, action: str) -> str:
    if action in ("approve", "reject", "move") and role != "facilitator":
        return "forbidden"  # only the facilitator approves, rejects and moves between groups
    if action == "merge" and role in ("other_rapporteur", "participant"):
        return "forbidden"  # refused on the visible item it would merge into, before the held one is looked up
    if role != "facilitator" and state in ("pending", "rejected"):
        return "not_found"  # a held item does not exist for a participant, rapporteur or not
    if role in ("other_rapporteur", "participant"):
        return "forbidden"
    return "ok" if state in ACCEPTS[action] else "invalid"


class Room:
    """A pre-moderated workshop with a rapporteur in each of two groups, and items made in any state."""

    def __init__(self, workshop, facilitator):
        self.workshop = workshop
        self.me = Actor(user=facilitator)
        self.author, _ = make_participant(workshop, 0)
        self.rapporteur, _ = make_participant(workshop, 0)
        self.other, _ = make_participant(workshop, 1)
        self.participant, _ = make_participant(workshop, 0)
        run(set_rapporteur, workshop, self.me, workshop.groups[0].id, self.rapporteur.id)
        run(set_rapporteur, workshop, self.me, workshop.groups[1].id, self.other.id)
        run(update_settings, workshop, facilitator, premoderation=True)
        self.count = 0

    def actor(self, role: str) -> Actor:
        return {
            "facilitator": self.me,
            "rapporteur": Actor(participant=self.rapporteur),
            "other_rapporteur": Actor(participant=self.other),
            "participant": Actor(participant=self.participant),
        }[role]

    def visible(self, text: str):
        item, _ = run(
            scribe_post,
            self.workshop,
            self.me,
            group_id=self.workshop.groups[0].id,
            kind="problem",
            text=text,
            client_id=text,
        )
        return item

    def make(self, state: str):
        self.count += 1
        text = f"نص سري رقم {self.count} {state}"
        if state in ("pending", "rejected"):
            item, _ = run(
                post_item,
                self.workshop,
                self.author,
                group_id=self.author.group_id,
                kind="problem",
                text=text,
                client_id=text,
            )
            if state == "rejected":
                run(reject_item, self.workshop, self.me, item.id, "خارج الموضوع")
            return item
        item = self.visible(text)
        if state == "hidden":
            run(hide_item, self.workshop, self.me, item.id, "رقم هاتف")
        elif state == "merged":
            keep = self.visible(text + " (الأصل)")
            run(merge_items, self.workshop, self.me, keep.id, [item.id])
        return item

    def act(self, action: str, actor: Actor, item):
        """The call that does action on item, ready to run (anything it needs is made first)."""
        w = self.workshop
        if action == "merge":
            keep = self.visible(f"إبقاء {item.id}")
            return lambda: run(merge_items, w, actor, keep.id, [item.id])
        calls = {
            "approve": lambda: approve_item(w, actor, item.id),
            "reject": lambda: reject_item(w, actor, item.id, "سبب"),
            "hide": lambda: hide_item(w, actor, item.id, "سبب"),
            "restore": lambda: restore_item(w, actor, item.id),
            "unmerge": lambda: unmerge_item(w, actor, item.id),
            "edit": lambda: edit_item(w, actor, item.id, f"نص مصحح {item.id}"),
            "pin": lambda: pin_item(w, actor, item.id, True),
            "decide": lambda: set_decision(w, actor, item.id, "not_retained", "خارج اختصاص الجماعة"),
            "move": lambda: move_item(w, actor, item.id, w.groups[1].id),
        }
        return lambda: run(calls[action])


def event_count() -> int:
    return db.session.scalar(select(func.count(WorkshopEvent.id)))


def public_events(workshop) -> list[WorkshopEvent]:
    return list(
        db.session.scalars(
            select(WorkshopEvent).where(WorkshopEvent.workshop_id == workshop.id, WorkshopEvent.stream == "public")
        )
    )


@pytest.mark.parametrize("role", ROLES)
def test_each_role_may_do_exactly_what_the_state_machine_allows(workshop, facilitator, role):
    room = Room(workshop, facilitator)
    actor = room.actor(role)
    outcomes = {}
    for state in STATES:
        for action in ACCEPTS:
            item = room.make(state)
            assert item.status == state
            call = room.act(action, actor, item)
            before = event_count()
            try:
                call()
            except ServiceError as error:
                outcomes[(state, action)] = error.code
                assert str(error.message)
                assert event_count() == before, (state, action)  # a refusal records nothing
                db.session.refresh(item)
                assert item.status == state
            else:
                outcomes[(state, action)] = "ok"
    want = {(state, action): expected(role, state, action) for state in STATES for action in ACCEPTS}
    assert outcomes == want


def test_nothing_of_a_held_or_rejected_item_reaches_the_public_stream(workshop, facilitator):
    room = Room(workshop, facilitator)
    held, rejected = room.make("pending"), room.make("rejected")
    for role in ROLES:
        for action in ACCEPTS:
            for item in (held, rejected):
                if item.status in ("pending", "rejected"):
                    with contextlib.suppress(ServiceError):
                        room.act(action, room.actor(role), item)()
    # The facilitator's approve and reject above moved the held item on; make sure both secrets stayed secret.
    secrets = {i.id: i.text for i in (held, rejected) if i.status in ("pending", "rejected")}
    assert rejected.id in secrets
    stream = json.dumps([e.payload for e in public_events(workshop)], ensure_ascii=False)
    for text in secrets.values():
        assert text not in stream


def test_restore_never_publishes_a_rejected_item(workshop, facilitator):
    room = Room(workshop, facilitator)
    item = room.make("rejected")
    with pytest.raises(ServiceError) as caught:
        room.act("restore", room.me, item)()
    assert caught.value.code == "invalid"
    assert item.status == "rejected"
    assert item.text not in json.dumps([e.payload for e in public_events(workshop)], ensure_ascii=False)


def test_correcting_a_hidden_item_tells_only_the_facilitators_until_it_is_restored(workshop, facilitator):
    room = Room(workshop, facilitator)
    item = room.make("hidden")
    original = item.text
    run(edit_item, workshop, room.me, item.id, "نص بدون رقم الهاتف")
    [correction] = db.session.scalars(
        select(WorkshopEvent).where(WorkshopEvent.stream == "staff", WorkshopEvent.type == "item.updated")
    ).all()
    assert correction.payload["item"]["text"] == "نص بدون رقم الهاتف"
    stream = json.dumps([e.payload for e in public_events(workshop)], ensure_ascii=False)
    assert "نص بدون رقم الهاتف" not in stream
    run(restore_item, workshop, room.me, item.id)
    restored = public_events(workshop)[-1]
    assert restored.type == "item.restored" and restored.payload["item"]["text"] == "نص بدون رقم الهاتف"
    assert original != item.text
