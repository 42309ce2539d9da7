"""A commune's database after a season of use, built through the services, to be copied into older schemas.

Four workshops: Ait Amira's, held, closed and published in a process with its adoption, follow-up, documents and
the consultation on its draft; one still open, its timer paused, a rapporteur scribing and correcting; one with its
timer running; and one closed and purged under law 09-08. Call inside an app context whose UPLOAD_FOLDER is the test's.
"""

from __future__ import annotations

from dataclasses import dataclass

from consult.extensions import db
from consult.models import Workshop
from consult.models.participant import hash_token
from consult.services.access import Actor
from consult.services.consultation import (
    consultation_step,
    draft,
    moderate_comment,
    open_consultation,
    post_comment,
    respond,
    support,
)
from consult.services.items import post_item, scribe_post
from consult.services.moderation import edit_item, merge_items, pin_item, set_rapporteur
from consult.services.phases import control_timer, set_phase
from consult.services.privacy import purge_workshop
from consult.services.processes import post_follow_up, record_adoption, set_steps, store_document, update_process
from consult.services.recommendations import save_recommendation
from consult.services.votes import cast_vote, withdraw_vote
from consult.services.workshops import close_workshop
from tests.conftest import make_facilitator, make_participant, make_workshop, run
from tests.public_process import published_ait_amira
from tests.reports.conftest import Held

# The phone of the Ait Amira participant whose room the upgraded database must still open.
PHONE_TOKEN = "a-phone-that-took-part-before-the-upgrade"
LIVE_TOKEN = "a-phone-still-voting-in-the-open-workshop"
PHONE_TEXT = "انقطاع الماء الصالح للشرب في دوار 12 منذ 2024 (ONEE)"  # khadija's, visible
DOCUMENT = b"%PDF-1.4\n% the council's minutes, as uploaded\n"


@dataclass(frozen=True)
class Season:
    code: str  # the published workshop's join code
    facilitator_email: str
    commune_slug: str
    process_slug: str
    process_id: int
    document_id: int
    live_code: str  # the workshop still open


def _in_the_room(held: Held) -> None:
    workshop, me = held.workshop, Actor(user=held.facilitator)
    run(edit_item, workshop, me, held.items["net"].id, "غياب الربط بالأنترنت في المدرسة الجماعاتية بدوار إمي")
    run(pin_item, workshop, me, held.items["waste"].id, True)
    run(set_phase, workshop, me, "prioritization")
    run(withdraw_vote, workshop, held.people["brahim"], item_id=held.items["waste"].id, client_id="back3")
    wifi = {
        "theme_id": workshop.themes[2].id,
        "title": "Wi-Fi مجاني في دار الشباب",
        "item_ids": [held.items["wifi"].id],
    }
    run(save_recommendation, workshop, me, wifi)


def _consultation(process, user) -> None:
    step = consultation_step(process)
    run(open_consultation, step, user)
    recs = draft(process)
    people = dict(category="civil_society", gender="female", age_band="30_44", consent=True)
    comments = [
        run(
            post_comment,
            step,
            text=text,
            recommendation=rec,
            browser=f"b{n}",
            address=f"10.1.0.{n}",
            client_id=f"c{n}",
            **people,
        )
        for n, (text, rec) in enumerate(
            [
                ("ماذا عن السوق الأسبوعي؟", recs[0]),
                ("Il faut penser aux douars éloignés", recs[0]),
                ("نفس الملاحظة: السوق الأسبوعي", recs[0]),
                ("تعليق خارج الموضوع", recs[1]),
            ]
        )
    ]
    proposal = run(
        post_comment,
        step,
        text="نقترح مكتبة في دار الشباب",
        axis=recs[0].theme.name,
        consent=True,
        browser="b9",
        client_id="p1",
        user=user,
        source="paper",
    )
    for comment in comments[:3]:  # the proposal typed in by staff from a paper form is published at once
        run(moderate_comment, comment, user, "approve")
    run(moderate_comment, comments[3], user, "reject", reason="خارج الموضوع")
    run(moderate_comment, comments[2], user, "merge", into=comments[0])
    run(respond, comments[0], user, response="taken", text="ستشمل التوصية السوق الأسبوعي", new_text=None)
    run(respond, comments[1], user, response="covered", text="تشملها التوصية الثانية", covered_by=recs[1])
    run(respond, proposal, user, response="not_taken", text="ليست من اختصاص الجماعة")
    for n, rec in enumerate(recs):
        run(support, step, rec, browser=f"s{n}", address="10.1.1.1")


def _live_workshop(user) -> Workshop:
    """Open, in prioritization: a rapporteur scribed and corrected a card, the timer is paused."""
    workshop = make_workshop(user, title="Atelier du douar Imi", language="fr")
    rapporteur, _ = make_participant(workshop, 0, nickname="Aicha", category="citizen", gender="female")
    voter, _ = make_participant(workshop, 0, category="other", age_band="18_29")
    me = Actor(user=user)
    run(set_rapporteur, workshop, me, workshop.groups[0].id, rapporteur.id)
    card, _ = run(
        scribe_post,
        workshop,
        Actor(participant=rapporteur),
        group_id=workshop.groups[0].id,
        kind="problem",
        text="La piste vers l'école est coupée en hiver",
        client_id="card1",
        speaker_category="citizen",
        speaker_gender="male",
    )
    run(edit_item, workshop, Actor(participant=rapporteur), card.id, "La piste vers l'école est coupée chaque hiver")
    bus, _ = run(post_item, workshop, voter, group_id=voter.group_id, kind="problem", text="Pas de bus", client_id="v1")
    again, _ = run(
        post_item, workshop, voter, group_id=voter.group_id, kind="problem", text="Aucun bus scolaire", client_id="v2"
    )
    run(
        post_item,
        workshop,
        voter,
        group_id=voter.group_id,
        kind="solution",
        text="Un bus le samedi",
        client_id="v3",
        parent_id=again.id,
    )
    run(set_phase, workshop, me, "prioritization", seconds=300)
    run(cast_vote, workshop, voter, item_id=card.id, client_id="vote1")
    run(cast_vote, workshop, voter, item_id=again.id, client_id="vote2")
    # The vote and the solution follow the merge, remembering where they were (what an unmerge puts back).
    run(merge_items, workshop, me, bus.id, [again.id])
    run(control_timer, workshop, me, "pause")
    voter.token_hash = hash_token(LIVE_TOKEN)
    db.session.commit()
    return workshop


def _purged_workshop(user) -> None:
    workshop = make_workshop(user, title="ورشة 2023")
    person, _ = make_participant(workshop, 1, nickname="Said", category="citizen", gender="male")
    item, _ = run(
        post_item, workshop, person, group_id=person.group_id, kind="problem", text="غياب الإنارة", client_id="old"
    )
    run(set_phase, workshop, Actor(user=user), "prioritization")
    run(cast_vote, workshop, person, item_id=item.id, client_id="oldvote")
    run(close_workshop, workshop, user)
    run(purge_workshop, workshop)


def live_a_season() -> Season:
    """Build the season in the app's database (of the newest schema)."""
    published = published_ait_amira(while_open=_in_the_room)
    held, process, user = published.held, published.process, published.held.facilitator
    held.people["khadija"].token_hash = hash_token(PHONE_TOKEN)
    db.session.commit()
    make_facilitator(held.workshop.commune, role="staff")  # an account that only reads
    minutes = run(
        store_document,
        process,
        user,
        title="محضر الدورة العادية لشهر ماي",
        kind="council_decision",
        dated="2024-05-06",
        filename="minutes.pdf",
        data=DOCUMENT,
    )
    recs = published.recommendations
    run(
        record_adoption,
        recs[2],
        user,
        decision="amended",
        amended_text="Wi-Fi في دار الشباب والمكتبة",
        session_name="دورة استثنائية",
        session_date="2024-07-01",
    )
    run(
        post_follow_up,
        recs[0],
        user,
        status="in_progress",
        progress=80,
        service="مصلحة البيئة",
        note="Bacs livrés à 3 douars",
        link="https://aitamira.ma/bacs",
        document=minutes,
    )
    steps = [
        {"kind": s.kind, "status": s.status, "starts_on": s.starts_on, "title": "ورشة دار الشباب" if i == 0 else None}
        for i, s in enumerate(process.steps)
    ]
    run(set_steps, process, user, steps)
    run(
        update_process,
        process,
        user,
        title=process.title,
        kind=process.kind,
        published=True,
        description="ورشات ثم استشارة عمومية ثم مصادقة المجلس",
    )
    _consultation(process, user)
    live = _live_workshop(user)
    timed = make_workshop(user, title="ورشة دوار تمزكيدة", phase="welcome")  # its timer running as the upgrade comes
    run(set_phase, timed, Actor(user=user), "problems", seconds=600)
    _purged_workshop(user)
    return Season(
        code=held.workshop.code,
        facilitator_email=user.email,
        commune_slug=process.commune.slug,
        process_slug=process.slug,
        process_id=process.id,
        document_id=minutes.id,
        live_code=live.code,
    )
