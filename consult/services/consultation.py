"""The consultation on the draft: citizens support and comment online, staff type in what came on paper, moderators
approve, reject or merge, and every published comment gets a public, reasoned answer.

A browser and an address are known only by keyed hashes (HMAC with the app's secret): enough to make a support
idempotent and to count what one address gave, never enough to name anybody; both are erased by purge_consultation.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from collections.abc import Container
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from consult.extensions import db
from consult.i18n import TIMEZONE
from consult.models import Comment, FollowUpUpdate, Process, Recommendation, Step, Support, User, Workshop
from consult.models.base import utcnow
from consult.models.consultation import PUBLIC_COMMENT_STATUSES, RESPONSES, SOURCES
from consult.models.participant import AGE_BANDS, CATEGORIES, GENDERS, NOTICE_VERSION
from consult.services.errors import ServiceError, forbidden, invalid, not_found
from consult.services.numbering import process_numbers, published_workshops
from consult.services.outcome import NOT_GIVEN, fold
from consult.services.processes import check_editor
from consult.services.text import as_id, choice, clean_text, get_by_id

COMMENT_MAX = 2000
DEFAULT_DAYS = 30
# Supports from one address above this many, on one recommendation, are reported apart: a family or a shared Wi-Fi
# gives a few, a cybercafé or a script many. This is a consultation, not a vote: both figures are published.
HEAVY_ADDRESS = 5


def keyed_hash(value: str | None) -> str | None:
    """An HMAC of a browser cookie or an address with the app's secret: stable for counting, useless for naming."""
    if not value:
        return None
    return hmac.new(current_app.config["SECRET_KEY"].encode(), value.encode(), hashlib.sha256).hexdigest()


def consultation_step(process: Process) -> Step | None:
    """The process's consultation on the draft (its first step of that kind)."""
    return next((s for s in process.steps if s.kind == "consultation"), None)


def consultation_status(step: Step | None, now: datetime | None = None) -> str:
    """unscheduled, upcoming, open or closed: the dates decide, and opening or closing by hand sets the dates."""
    if step is None or step.opens_at is None:
        return "unscheduled"
    now = now or utcnow()
    if now < step.opens_at:
        return "upcoming"
    if step.closes_at is not None and now >= step.closes_at:
        return "closed"
    return "open"


def local_day(moment: datetime | None, *, last: bool = False) -> date | None:
    """The Moroccan calendar day of a stored (naive UTC) time; last: the day that ends at that moment."""
    if moment is None:
        return None
    if last:
        moment -= timedelta(microseconds=1)
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(TIMEZONE)).date()


def _lock(step: Step) -> Step:
    """Serialize the writers of one consultation (closing against a late comment) and reread the step."""
    if db.engine.dialect.name == "sqlite":
        return step
    return db.session.scalars(
        select(Step).where(Step.id == step.id).with_for_update().execution_options(populate_existing=True)
    ).one()


def _require_open(step: Step, *, lock: bool = True) -> None:
    # Supports skip the lock: thousands arrive in an evening, and one landing as it closes changes no answer.
    status = consultation_status(_lock(step) if lock else step)
    if status != "open":
        raise ServiceError("closed", _l("The consultation on the draft is not open."))


def draft(process: Process) -> list[Recommendation]:
    """The draft put to the public: the recommendations of the process's published workshops, in number order.

    Only published ones: the public reads nothing of a workshop that the commune has not published, or has withdrawn.
    """
    return numbered_draft(process)[0]


def numbered_draft(process: Process) -> tuple[list[Recommendation], dict[int, int]]:
    """The draft and its numbers, read once together (a workshop published in between cannot split them)."""
    numbers = process_numbers(process)
    recs = db.session.scalars(
        select(Recommendation)
        .where(Recommendation.id.in_(list(numbers)))
        # What every page of the draft reads of each: its axis and its revisions (current_text), in two queries.
        .options(joinedload(Recommendation.theme), selectinload(Recommendation.updates))
    )
    return sorted(recs, key=lambda r: numbers[r.id]), numbers


def draft_axes(process: Process) -> list[str]:
    """The axes a proposal may go under: every axis name of the draft's workshops, once, in order."""
    names: list[str] = []
    for workshop in published_workshops(process):
        for theme in workshop.themes:
            if theme.name not in names:
                names.append(theme.name)
    return names


def draft_recommendation(process: Process, rec_id: object) -> Recommendation:
    """A recommendation of the process's draft, by its id: two primary-key reads, not the whole draft."""
    number = as_id(rec_id)
    return _in_draft(process, get_by_id(Recommendation, number) if number is not None else None)


def _in_draft(process: Process, recommendation: Recommendation | None) -> Recommendation:
    if recommendation is None:
        raise not_found(_l("This recommendation is not in the draft."))
    workshop = db.session.get(Workshop, recommendation.workshop_id)
    if workshop is None or workshop.process_id != process.id or workshop.published_at is None:
        raise not_found(_l("This recommendation is not in the draft."))
    return recommendation


def open_consultation(step: Step, user: User, *, closes_on: date | None = None) -> None:
    """Open now, through the closing day (Moroccan time) if one is given, otherwise for 30 days."""
    check_editor(step.process.commune_id, user)
    if step.kind != "consultation":
        raise invalid(_l("Only a consultation on the draft takes comments."))
    if not published_workshops(step.process):  # the draft and its axes come from published workshops only
        raise invalid(_l("Publish a workshop's outcome before opening the consultation on its draft."))
    step = _lock(step)
    now = utcnow()
    closes_at = None
    if closes_on is not None:
        # The end of the closing day where the commune is, stored naive in UTC like every time.
        midnight = datetime.combine(closes_on + timedelta(days=1), datetime.min.time(), ZoneInfo(TIMEZONE))
        closes_at = midnight.astimezone(UTC).replace(tzinfo=None)
        if closes_at <= now:
            raise invalid(_l("The closing date must be in the future."), "closes_on")
    step.opens_at = now
    step.closes_at = closes_at or (now + timedelta(days=DEFAULT_DAYS))
    step.starts_on = step.starts_on or now.date()
    step.ends_on = step.closes_at.date()
    step.status = "current"


def unanswered(step: Step) -> int:
    """Comments still waiting: for moderation, or published without an answer."""
    return db.session.scalar(
        select(func.count(Comment.id)).where(
            Comment.step_id == step.id,
            (Comment.status == "pending") | ((Comment.status == "visible") & Comment.response.is_(None)),
        )
    )


def close_consultation(step: Step, user: User) -> None:
    """Close now, once every comment is moderated and every published one has its answer."""
    check_editor(step.process.commune_id, user)
    step = _lock(step)
    waiting = unanswered(step)
    if waiting:
        raise invalid(_l("%(num)d comments still wait for moderation or an answer.", num=waiting))
    now = utcnow()
    step.closes_at = now
    step.ends_on = now.date()
    step.status = "done"


def support(step: Step, recommendation: Recommendation | None, *, browser: str, address: str | None) -> bool:
    """Support a draft recommendation once per browser; supporting again changes nothing. True if it was new."""
    _in_draft(step.process, recommendation)
    _require_open(step, lock=False)
    key = keyed_hash(browser)
    if key is None:
        raise invalid(_l("Your browser must accept cookies to support a recommendation."))
    exists = select(Support.id).where(
        Support.step_id == step.id, Support.recommendation_id == recommendation.id, Support.browser == key
    )
    if db.session.scalar(exists):
        return False
    try:
        with db.session.begin_nested():
            db.session.add(
                Support(step_id=step.id, recommendation_id=recommendation.id, browser=key, address=keyed_hash(address))
            )
    except IntegrityError:
        return False  # the same browser's other request won the race: one support, as asked
    return True


def withdraw_support(step: Step, recommendation: Recommendation | None, *, browser: str) -> bool:
    """Take a support back; taking back one not given changes nothing. True if one was removed."""
    _in_draft(step.process, recommendation)
    _require_open(step, lock=False)
    result = db.session.execute(
        delete(Support).where(
            Support.step_id == step.id,
            Support.recommendation_id == recommendation.id,
            Support.browser == keyed_hash(browser),
        )
    )
    return bool(result.rowcount)


def support_count(step: Step, recommendation: Recommendation) -> int:
    return db.session.scalar(
        select(func.count(Support.id)).where(Support.step_id == step.id, Support.recommendation_id == recommendation.id)
    )


def supported_by(step: Step, browser: str | None) -> set[int]:
    """The recommendations this browser supports."""
    key = keyed_hash(browser)
    if key is None:
        return set()
    return set(
        db.session.scalars(select(Support.recommendation_id).where(Support.step_id == step.id, Support.browser == key))
    )


def post_comment(
    step: Step,
    *,
    text: object,
    consent: object,
    recommendation: Recommendation | None = None,
    axis: object = None,
    category: object = None,
    gender: object = None,
    age_band: object = None,
    browser: str | None = None,
    address: str | None = None,
    client_id: object = None,
    user: User | None = None,
    source: object = "online",
) -> Comment:
    """A comment on a draft recommendation, or a proposal under an axis.

    Online, it waits for moderation. Typed in by staff from paper or the office, it is marked so and published.
    """
    process = step.process
    if user is not None:
        check_editor(process.commune_id, user)
        source = choice(source, tuple(SOURCES), field="source") or "paper"
        if source == "online":
            raise invalid(_l("This choice is not valid."), "source")
    else:
        source = "online"
        if consent is not True:
            raise invalid(_l("Please read the notice on your data and accept it to comment."), "consent")
    if recommendation is not None:
        _in_draft(process, recommendation)
        axis_name = None
    else:
        axis_name = choice(axis, tuple(draft_axes(process)), field="axis")
        if axis_name is None:
            raise invalid(_l("Choose the axis of your proposal."), "axis")
    text = clean_text(text, field="text", max_length=COMMENT_MAX)
    client_id = clean_text(client_id, field="client_id", max_length=64, required=False, multiline=False)
    key = keyed_hash(browser)
    _require_open(step)
    if client_id and key:
        earlier = db.session.scalar(
            select(Comment).where(Comment.step_id == step.id, Comment.browser == key, Comment.client_id == client_id)
        )
        if earlier is not None:
            return earlier  # the same form sent twice (a reload, a retry on a weak link)
    comment = Comment(
        process_id=process.id,
        step_id=step.id,
        recommendation_id=recommendation.id if recommendation else None,
        axis=axis_name,
        kind="comment" if recommendation else "proposal",
        text=text,
        status="pending" if user is None else "visible",
        category=choice(category, CATEGORIES, field="category"),
        gender=choice(gender, GENDERS, field="gender"),
        age_band=choice(age_band, AGE_BANDS, field="age_band"),
        consent_version=NOTICE_VERSION if user is None else None,
        source=source,
        entered_by_id=user.id if user else None,
        browser=key,
        address=keyed_hash(address),
        client_id=client_id,
    )
    db.session.add(comment)
    db.session.flush()
    return comment


def comments_of(
    step: Step,
    *,
    statuses: tuple[str, ...] | None = None,
    about: Recommendation | None | bool = False,
    browser: str | None = None,
) -> list[Comment]:
    """The step's comments, oldest first: of some statuses; about one recommendation (None: the proposals); one
    browser's own."""
    query = select(Comment).where(Comment.step_id == step.id).order_by(Comment.id)
    if statuses:
        query = query.where(Comment.status.in_(statuses))
    if about is None:
        query = query.where(Comment.kind == "proposal")
    elif about is not False:
        query = query.where(Comment.recommendation_id == about.id)
    if browser is not None:
        query = query.where(Comment.browser == keyed_hash(browser))
    return list(db.session.scalars(query))


def is_public(status: str, recommendation_id: int | None, draft_ids: Container[int]) -> bool:
    """A comment the public reads: published, about a proposal or a recommendation still in the draft (one whose
    workshop was withdrawn since is the staff's to answer, not the public's to read)."""
    return status in PUBLIC_COMMENT_STATUSES and (recommendation_id is None or recommendation_id in draft_ids)


def queue_of(step: Step) -> dict[str, list[Comment]]:
    """The staff's queue, by what each comment waits for: moderation, an answer, nothing (answered or merged); the
    rejected; and every published one (what an answer may cover)."""
    comments = comments_of(step)
    return {
        "waiting": [c for c in comments if c.status == "pending"],
        "unanswered": [c for c in comments if c.status == "visible" and c.response is None],
        "answered": [c for c in comments if c.status == "merged" or (c.status == "visible" and c.response)],
        "rejected": [c for c in comments if c.status == "rejected"],
        "published": [c for c in comments if c.status == "visible"],
    }


def next_unanswered(step: Step) -> int | None:
    """The oldest published comment still without an answer: where the staff go after answering one."""
    return db.session.scalar(
        select(Comment.id)
        .where(Comment.step_id == step.id, Comment.status == "visible", Comment.response.is_(None))
        .order_by(Comment.id)
    )


def find_comment(step: Step, comment_id: object) -> Comment:
    comment = db.session.get(Comment, comment_id) if isinstance(comment_id, int) else None
    if comment is None or comment.step_id != step.id:
        raise not_found()
    return comment


# Each moderation action and the states it accepts, as for the room's items.
MODERATION = {"approve": ("pending",), "reject": ("pending",), "merge": ("visible",), "unmerge": ("merged",)}


def moderate_comment(
    comment: Comment, user: User, action: str, *, reason: object = None, into: Comment | None = None
) -> None:
    """Approve or reject a waiting comment; merge a published duplicate into another, or undo it."""
    check_editor(comment.process.commune_id, user)
    _lock(comment.step)
    db.session.refresh(comment)
    if action not in MODERATION:
        raise invalid(_l("This choice is not valid."), "action")
    if comment.status not in MODERATION[action]:
        raise invalid(_l("This comment cannot be changed this way now."))
    if action == "approve":
        comment.status = "visible"
    elif action == "reject":
        comment.reject_reason = clean_text(reason, field="reason", max_length=500, multiline=False)
        comment.status = "rejected"
    elif action == "merge":
        if into is None or into.step_id != comment.step_id or into.id == comment.id or into.status != "visible":
            raise invalid(_l("Choose another published comment of this consultation."), "into")
        comment.status = "merged"
        comment.merged_into_id = into.id
    else:
        comment.status = "visible"
        comment.merged_into_id = None


def respond(
    comment: Comment,
    user: User,
    *,
    response: object,
    text: object = None,
    covered_by: Recommendation | None = None,
    new_text: object = None,
) -> None:
    """The public answer: taken into account (and how the text changed), already covered by recommendation N, or
    not taken into account and why. A new wording of the recommendation goes into its public history."""
    check_editor(comment.process.commune_id, user)
    if comment.status != "visible":
        raise invalid(_l("Only a published comment gets an answer."))
    response = choice(response, tuple(RESPONSES), field="response")
    if response is None:
        raise invalid(_l("This field is required."), "response")
    text = clean_text(text, field="text", max_length=COMMENT_MAX, required=response != "covered")
    if response == "covered":
        covered_by = _in_draft(comment.process, covered_by)
    new_text = clean_text(new_text, field="new_text", max_length=COMMENT_MAX, required=False)
    comment.response = response
    comment.response_text = text
    comment.covered_by_id = covered_by.id if response == "covered" else None
    comment.responded_at = utcnow()
    comment.responded_by_id = user.id
    if response == "taken" and new_text and comment.recommendation_id:
        db.session.add(
            FollowUpUpdate(
                recommendation_id=comment.recommendation_id, status="revised", note=new_text, author_id=user.id
            )
        )
    db.session.flush()


def current_text(recommendation: Recommendation) -> str:
    """The draft's wording now: the last revision made in answer to comments, or the room's own."""
    revised = [u for u in recommendation.updates if u.status == "revised"]
    return revised[-1].note if revised else (recommendation.body or recommendation.title)


def _fold(counter: Counter) -> dict[str, int]:
    """As the public report folds them (services/outcome.py): a group of fewer than FOLD_BELOW in "other"."""
    return dict(sorted(fold(counter, set(counter) - {NOT_GIVEN}).items()))


def results(step: Step, *, heavy: int = HEAVY_ADDRESS, recs: list[Recommendation] | None = None) -> dict:
    """Supports and comments per recommendation (supports with and without heavy addresses), and who commented.

    recs: the draft, when the caller has it already."""
    recs = draft(step.process) if recs is None else recs
    rows = db.session.execute(
        select(Support.recommendation_id, Support.address, func.count(Support.id))
        .where(Support.step_id == step.id)
        .group_by(Support.recommendation_id, Support.address)
    ).all()
    supports: Counter = Counter()
    light: Counter = Counter()
    heavy_addresses = set()
    for rec_id, address, n in rows:
        supports[rec_id] += n
        if address is not None and n > heavy:
            heavy_addresses.add(address)
        else:
            light[rec_id] += n
    # One aggregate instead of every comment loaded: this runs on each draft page and each scripted support.
    keys = (
        Comment.status,
        Comment.response.is_(None),
        Comment.kind,
        Comment.recommendation_id,
        Comment.gender,
        Comment.category,
        Comment.age_band,
        Comment.source,
    )
    groups = db.session.execute(
        select(*keys, func.count(Comment.id)).where(Comment.step_id == step.id).group_by(*keys)
    ).all()
    draft_ids = {r.id for r in recs}
    per_rec: Counter = Counter()
    gender: Counter = Counter()
    category: Counter = Counter()
    age: Counter = Counter()
    source: Counter = Counter()
    shown = proposals = waiting = unanswered_ = 0
    for status, no_response, kind, rec_id, g, cat, band, src, n in groups:
        if is_public(status, rec_id, draft_ids):
            shown += n
            per_rec[rec_id] += n
            proposals += n if kind == "proposal" else 0
        waiting += n if status == "pending" else 0
        unanswered_ += n if status == "visible" and no_response else 0
        if status != "rejected":
            gender[g or NOT_GIVEN] += n
            category[cat or NOT_GIVEN] += n
            age[band or NOT_GIVEN] += n
            source[src] += n
    return {
        "heavy_threshold": heavy,
        "heavy_addresses": len(heavy_addresses),
        "recommendations": [
            {
                "id": r.id,
                "supports": supports[r.id],
                "supports_without_heavy": light[r.id],
                "comments": per_rec[r.id],
            }
            for r in recs
        ],
        "proposals": proposals,
        "comments": shown,
        "waiting": waiting,
        "unanswered": unanswered_,
        "by_gender": _fold(gender),
        "by_category": _fold(category),
        "by_age": _fold(age),
        "by_source": dict(source),
    }


def purge_consultation(step: Step, user: User | None = None) -> int:
    """Erase the hashes of browsers and addresses once it is closed; the counts stay (the heavy-address split goes)."""
    if user is not None:
        check_editor(step.process.commune_id, user)
    if consultation_status(step) != "closed":
        raise forbidden(_l("A consultation is purged only once it is closed."))
    comments = comments_of(step)
    for comment in comments:
        comment.browser = comment.address = None
    db.session.execute(
        update(Support)
        .where(Support.step_id == step.id)
        .values(browser=None, address=None)
        .execution_options(synchronize_session=False)
    )
    return len(comments)


def consultations_to_purge() -> list[Step]:
    """Closed consultations that still hold a browser's or an address's hash."""
    closed = select(Step).where(Step.kind == "consultation", Step.closes_at.is_not(None), Step.closes_at <= utcnow())
    holding = (
        select(Support.step_id)
        .where(Support.browser.is_not(None))
        .union(select(Comment.step_id).where((Comment.browser.is_not(None)) | (Comment.address.is_not(None))))
    )
    return list(db.session.scalars(closed.where(Step.id.in_(holding)).order_by(Step.id)))


def _iso(moment: datetime | None) -> str | None:
    return moment.replace(microsecond=0).isoformat() + "Z" if moment else None


def open_data(process: Process, base: str) -> dict | None:
    """The consultation as the public sees it (the process's open data): only published comments, with answers."""
    step = consultation_step(process)
    if step is None or step.opens_at is None:
        return None
    recs, numbers = numbered_draft(process)
    figures = results(step, recs=recs)
    page = f"{base}/consultation"

    def answer(c: Comment) -> dict | None:
        if c.status == "merged":
            return {"kind": "merged", "text": None, "covered_by": None, "merged_into": c.merged_into_id}
        if c.response is None:
            return None
        return {"kind": c.response, "text": c.response_text, "covered_by": numbers.get(c.covered_by_id)}

    return {
        "opens_at": _iso(step.opens_at),
        "closes_at": _iso(step.closes_at),
        "status": consultation_status(step),
        "url": page,
        "draft": [
            {"number": numbers[r.id], "id": r.id, "title": r.title, "text": current_text(r), "url": f"{page}/{r.id}"}
            for r in recs
        ],
        "comments": [
            {
                "id": c.id,
                "recommendation": numbers.get(c.recommendation_id),
                "axis": c.axis,
                "text": c.text,
                "kind": c.kind,
                "source": c.source,
                "created_at": _iso(c.created_at),
                "status": c.status,
                "response": answer(c),
            }
            for c in comments_of(step, statuses=PUBLIC_COMMENT_STATUSES)
            if is_public(c.status, c.recommendation_id, numbers)
        ],
        "supports": {str(numbers[row["id"]]): row["supports"] for row in figures["recommendations"]},
        "supports_without_heavy_addresses": {
            str(numbers[row["id"]]): row["supports_without_heavy"] for row in figures["recommendations"]
        },
        "heavy_address_threshold": figures["heavy_threshold"],
        "waiting_for_moderation": figures["waiting"],
        "without_answer": figures["unanswered"],
    }


def version(process: Process) -> tuple:
    """What changes whenever the consultation's public figures change (for the public pages' cache)."""
    step = consultation_step(process)
    if step is None:
        return ()
    comments = db.session.execute(
        select(Comment.status, func.count(Comment.id), func.max(Comment.responded_at))
        .where(Comment.step_id == step.id)
        .group_by(Comment.status)
        .order_by(Comment.status)
    ).all()
    supports = db.session.scalar(select(func.count(Support.id)).where(Support.step_id == step.id))
    return (step.opens_at, step.closes_at, consultation_status(step), supports, *map(tuple, comments))
