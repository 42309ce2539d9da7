"""An Ait Amira workshop that happened, built through the services, for reading every report format back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest

from consult.extensions import db
from consult.models import Commune, Item, Participant, User, Workshop
from consult.services import unit_of_work
from consult.services.access import Actor
from consult.services.items import post_item, scribe_post
from consult.services.moderation import hide_item, merge_items, set_decision, set_rapporteur
from consult.services.phases import set_phase
from consult.services.recommendations import save_recommendation
from consult.services.votes import cast_vote
from consult.services.workshops import create_workshop, open_workshop, update_settings
from tests.conftest import PASSWORD, make_participant, run

COMMUNE_AR = "جماعة أيت عميرة"
COMMUNE_FR = "Aït Amira"
TITLE = "ورشة التشخيص التشاركي لبرنامج عمل الجماعة"
VENUE = "دار الشباب أيت عميرة"
FACILITATOR = "سعاد الإدريسي"
# (key, nickname, group index, category, gender, age band); keys name them in the tests.
PEOPLE = (
    ("amina", "Amina", 0, "civil_society", "female", "30_44"),
    ("hassan", "Hassan", 0, "civil_society", "male", "30_44"),
    ("fatima", "Fatima", 1, "civil_society", "female", "18_29"),
    ("brahim", "Brahim", 1, "council_member", "male", "45_59"),
    ("zineb", "Zineb", 2, "private_sector", "female", None),
    ("youssef", "Youssef", 2, "citizen", "male", "18_29"),
    ("khadija", "Khadija", 0, "citizen", "female", "30_44"),
    ("omar", "Omar", 1, "citizen", None, "60_plus"),
)
# (key, author, kind, parent key, text): the three axes are environment (0), communication (1), digitalization (2).
ITEMS = (
    ("waste", "amina", "problem", None, "غياب حاويات النفايات في الدواوير"),
    ("bins", "hassan", "solution", "waste", "وضع حاويات وتحديد مواعيد الجمع مع الجمعيات"),
    ("dup", "hassan", "problem", None, "الأزبال في كل مكان قرب السوق الأسبوعي"),
    ("rude", "khadija", "problem", None, "كلام غير لائق في حق المنتخبين"),
    ("water", "khadija", "problem", None, "انقطاع الماء الصالح للشرب في دوار 12 منذ 2024 (ONEE)"),
    ("tanks", "amina", "solution", "water", "صهاريج متنقلة خلال فصل الصيف"),
    ("portal", "fatima", "problem", None, "ضعف التواصل بين الجماعة والساكنة"),
    ("radio", "fatima", "solution", "portal", "Une émission mensuelle sur la radio locale en amazighe"),
    ("beyond", "brahim", "problem", None, "الطريق الإقليمية مقطوعة"),
    ("net", "zineb", "problem", None, "غياب الربط بالأنترنت في المدرسة الجماعاتية"),
    ("tifinagh", "youssef", "problem", None, "لافتات الإدارة بدون حرف ⵜⵉⴼⵉⵏⴰⵖ"),
    ("wifi", "youssef", "solution", None, "Wi-Fi مجاني في دار الشباب"),
    ("sorting", "amina", "solution", "waste", "نقترح وضع 12 حاوية للفرز الانتقائي tri sélectif قرب السوق الأسبوعي"),
    ("law", "fatima", "problem", None, "لا أحد يشرح لنا القانون 09-08 وحقوقنا في المعطيات"),
)
# item key -> who votes for it (indexes into PEOPLE)
VOTES = {"waste": (0, 1, 2, 3, 4), "water": (5, 6, 7), "portal": (5, 6), "net": (7, 0), "bins": (1,), "card": (2,)}
RECOMMENDATIONS = (
    {
        "axis": 0,
        "title": "تعميم الحاويات على جميع الدواوير",
        "body": "اقتناء 40 حاوية وتوزيعها حسب عدد السكان، مع حملة توعية tri sélectif في 3 دواوير.",
        "principle": "المشاركة المواطنة",
        "priority": 1,
        "responsible": "الجماعة",
        "partners": "جمعيات الأحياء، المجلس الإقليمي",
        "horizon": "2027",
        "deadline": "2027-06-30",
        "budget": "250 000 درهم",
        "indicator": "عدد الدواوير المجهزة",
        "items": ("waste", "bins"),
    },
    {
        "axis": 1,
        "title": "بوابة إلكترونية وإذاعة محلية للجماعة",
        "priority": 2,
        "responsible": "مصلحة التواصل",
        "horizon": "2026",
        "items": ("portal", "radio"),
    },
)


@dataclass
class Held:
    """The workshop and what went into it, by key."""

    workshop: Workshop
    facilitator: User
    people: dict[str, Participant] = field(default_factory=dict)
    items: dict[str, Item] = field(default_factory=dict)


def ait_amira() -> Held:
    """Participants of several kinds, items in the three axes, votes, a merge, a hidden item, decisions."""
    commune = Commune(name_ar=COMMUNE_AR, name_fr=COMMUNE_FR, province="اشتوكة أيت باها", region="سوس ماسة")
    user = User(commune=commune, email="souad@aitamira.ma", name=FACILITATOR, role="facilitator")
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.commit()
    me = Actor(user=user)
    with unit_of_work():
        workshop = create_workshop(user, title=TITLE, workshop_date=date(2026, 11, 22), venue=VENUE, language="ar")
        db.session.flush()
        update_settings(workshop, user, phase_actions={"problems": ["problem", "solution"]}, votes_per_participant=5)
        open_workshop(workshop, user)
        workshop.phase = "problems"
    held = Held(workshop, user)
    for key, nickname, group, category, gender, age in PEOPLE:
        held.people[key] = make_participant(
            workshop, group, nickname=nickname, category=category, gender=gender, age_band=age
        )[0]
    for key, author, kind, parent, text in ITEMS:
        who = held.people[author]
        held.items[key], _ = run(
            post_item,
            workshop,
            who,
            group_id=who.group_id,
            kind=kind,
            text=text,
            client_id=key,
            parent_id=held.items[parent].id if parent else None,
        )
    held.items["card"], _ = run(
        scribe_post,
        workshop,
        me,
        group_id=workshop.groups[2].id,
        kind="problem",
        text="بطاقة: لا يوجد شباك رقمي لطلب الوثائق الإدارية",
        client_id="card",
        speaker_category="citizen",
        speaker_gender="female",
    )
    run(set_rapporteur, workshop, me, workshop.groups[0].id, held.people["amina"].id)
    run(set_phase, workshop, me, "prioritization")
    for key, voters in VOTES.items():
        for voter in voters:
            who = held.people[PEOPLE[voter][0]]
            run(cast_vote, workshop, who, item_id=held.items[key].id, client_id=f"{key}{voter}")
    run(merge_items, workshop, me, held.items["waste"].id, [held.items["dup"].id])
    run(hide_item, workshop, me, held.items["rude"].id, "إساءة")
    run(set_decision, workshop, me, held.items["beyond"].id, "not_retained", "من اختصاص المجلس الإقليمي")
    for rec in RECOMMENDATIONS:
        data = {k: v for k, v in rec.items() if k not in ("axis", "items")}
        data["theme_id"] = workshop.themes[rec["axis"]].id
        data["item_ids"] = [held.items[k].id for k in rec["items"]]
        run(save_recommendation, workshop, me, data)
    return held


@pytest.fixture
def held(app) -> Held:
    return ait_amira()
