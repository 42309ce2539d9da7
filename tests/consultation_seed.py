"""A published process whose consultation on the draft is open, for the browser tests and the benches.

Call inside an app context on the server's database (before the server starts, as tests/public_process.py is used):
a facilitator who can log in with tests.conftest.PASSWORD, a closed workshop's recommendations as the draft (spread
over its three axes), and, if asked, published comments with what the commune will answer to each.
"""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field

from consult.models import Process, Recommendation, User
from consult.services import unit_of_work
from consult.services.access import Actor
from consult.services.consultation import (
    consultation_step,
    draft,
    moderate_comment,
    open_consultation,
    post_comment,
)
from consult.services.processes import attach_workshop, create_process, publish_workshop, update_process
from consult.services.recommendations import save_recommendation
from consult.services.workshops import close_workshop
from tests.conftest import make_facilitator, make_workshop

PROCESS_TITLE = "برنامج عمل الجماعة 2027-2032"
TITLES = (
    "حاويات أكثر في السوق الأسبوعي",
    "Wi-Fi gratuit à la maison des jeunes",
    "إنارة الطريق المؤدية إلى الدوار",
    "Un bus scolaire pour les filles des douars",
    "تعبيد المسلك نحو المدرسة",
    "Une permanence de la commune le samedi",
    "فضاء للقراءة في دار الشباب",
    "Publier le budget sur un panneau au souk",
)
# What the commune will answer, in the proportions a real consultation gets: many say the same thing twice.
PLAN = ("not_taken", "covered", "merge", "taken", "covered", "merge", "not_taken", "covered", "merge", "taken")
COMMENT_TEXTS = (
    "ماذا عن السوق الأسبوعي يوم الخميس؟ يجب أن تشمله التوصية أيضا",
    "Il faudrait penser aux femmes qui rentrent tard du travail",
    "الدوار البعيد لا يصله أي شيء من هذا، نريد حلا",
    "Les jeunes du douar n'ont pas de moyen de transport le soir",
    "نقترح إشراك جمعيات الحي في التتبع",
)


@dataclass
class Seeded:
    facilitator: User
    process: Process
    recommendations: list[Recommendation]
    path: str  # the citizens' draft page
    plan: dict[int, tuple[str, int | None]] = field(default_factory=dict)  # comment id -> (answer, its target)


def seed_consultation(*, recommendations: int = 3, comments: int = 0, email: str | None = None) -> Seeded:
    """The process with its draft and open consultation; `comments` published comments spread over the draft."""
    facilitator = make_facilitator()
    if email:
        facilitator.email = email
    workshop = make_workshop(facilitator, title="ورشة البرنامج")
    me = Actor(user=facilitator)
    themes = list(workshop.themes)
    with unit_of_work():
        for n in range(recommendations):
            title = TITLES[n % len(TITLES)] + (f" ({n // len(TITLES) + 1})" if n >= len(TITLES) else "")
            save_recommendation(workshop, me, {"theme_id": themes[n % len(themes)].id, "title": title})
    with unit_of_work():
        process = create_process(facilitator, title=PROCESS_TITLE, kind="open_commune", description="المسودة")
        close_workshop(workshop, facilitator)
        attach_workshop(process, workshop, facilitator)
        publish_workshop(workshop, facilitator)
        update_process(process, facilitator, title=process.title, kind=process.kind, published=True)
        open_consultation(consultation_step(process), facilitator)
    recs = draft(process)
    seeded = Seeded(facilitator, process, recs, f"/p/{process.commune.slug}/{process.slug}/consultation")
    if comments:
        seeded.plan = _comments(seeded, comments)
    return seeded


def _comments(seeded: Seeded, count: int) -> dict[int, tuple[str, int | None]]:
    step = consultation_step(seeded.process)
    recs = seeded.recommendations
    plan: dict[int, tuple[str, int | None]] = {}
    originals: list[int] = []
    texts = itertools.cycle(COMMENT_TEXTS)
    for n in range(count):
        intent = PLAN[n % len(PLAN)] if originals else "not_taken"
        rec = recs[n % len(recs)]
        with unit_of_work():
            comment = post_comment(
                step,
                text=f"{next(texts)} — {n + 1}",
                consent=True,
                recommendation=rec,
                browser=secrets.token_urlsafe(9),
                address=f"10.0.{n // 200}.{n % 200}",
            )
            moderate_comment(comment, seeded.facilitator, "approve")
        if intent == "merge":
            plan[comment.id] = ("merge", originals[-1])
        elif intent == "covered":
            plan[comment.id] = ("covered", recs[(n + 1) % len(recs)].id)
        else:
            plan[comment.id] = (intent, None)
            originals.append(comment.id)
    return plan
