"""The Ait Amira workshop of tests/reports, closed and published in an open-commune process, with what the public must
never see (a pending and a rejected item, a hidden one, nicknames) and what it must (adoption, follow-up history)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from consult.extensions import db
from consult.models import Process, Recommendation
from consult.services.access import Actor
from consult.services.items import pending_items, post_item, reject_item
from consult.services.processes import (
    attach_workshop,
    create_process,
    post_follow_up,
    publish_workshop,
    record_adoption,
    set_steps,
    update_process,
)
from consult.services.workshops import close_workshop, update_settings
from tests.conftest import run
from tests.reports.conftest import PEOPLE, Held, ait_amira

PENDING_TEXT = "نص معلق لم يصادق عليه PENDING-7731"
REJECTED_TEXT = "نص مرفوض REJECTED-4410"
HIDDEN_TEXT = "كلام غير لائق في حق المنتخبين"
NICKNAMES = tuple(p[1] for p in PEOPLE)
PROCESS_TITLE = "برنامج الجماعة المنفتحة أيت عميرة 2024-2026"
FIRST_NOTE = "اقتناء 20 حاوية في الدفعة الأولى"
SECOND_NOTE = "Livraison des 40 bacs terminée"


@dataclass
class Published:
    held: Held
    process: Process
    recommendations: list[Recommendation]


def published_ait_amira(*, publish_process: bool = True, while_open: Callable[[Held], None] | None = None) -> Published:
    """while_open: what else happens in the room before it closes."""
    held = ait_amira()
    workshop, user = held.workshop, held.facilitator
    me = Actor(user=user)
    run(update_settings, workshop, user, premoderation=True)
    workshop.phase = "problems"  # directly: a factory, as in tests/conftest.make_workshop
    db.session.commit()
    fatima = held.people["fatima"]
    run(post_item, workshop, fatima, group_id=fatima.group_id, kind="problem", text=PENDING_TEXT, client_id="pend")
    run(post_item, workshop, fatima, group_id=fatima.group_id, kind="problem", text=REJECTED_TEXT, client_id="rej")
    rejected = next(i for i in pending_items(workshop) if i.text == REJECTED_TEXT)
    run(reject_item, workshop, me, rejected.id, "خارج الموضوع")
    if while_open:
        while_open(held)
    run(close_workshop, workshop, user)
    process = run(create_process, user, title=PROCESS_TITLE, kind="open_commune", description="ورشات ثم استشارة")
    rows = [
        {"kind": s.kind, "status": "done" if i == 0 else "planned", "starts_on": date(2024, 4, 15) if i == 0 else None}
        for i, s in enumerate(process.steps)
    ]
    run(set_steps, process, user, rows)
    if publish_process:
        run(update_process, process, user, title=process.title, kind=process.kind, published=True)
    run(attach_workshop, process, workshop, user)
    run(publish_workshop, workshop, user)
    recs = list(
        db.session.scalars(
            db.select(Recommendation).where(Recommendation.workshop_id == workshop.id).order_by(Recommendation.id)
        )
    )
    session = {"session_name": "الدورة العادية لشهر ماي", "session_date": "2024-05-06"}
    run(record_adoption, recs[0], user, decision="adopted", **session)
    run(record_adoption, recs[1], user, decision="not_adopted", reason="ليست من اختصاص الجماعة", **session)
    run(post_follow_up, recs[0], user, status="in_progress", progress=40, service="مصلحة البيئة", note=FIRST_NOTE)
    run(post_follow_up, recs[0], user, status="done", note=SECOND_NOTE)
    return Published(held, process, recs)
