"""Joining a workshop without an account, and choosing a group."""

from __future__ import annotations

import secrets
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from consult.extensions import db
from consult.models import Group, Participant, Workshop
from consult.models.base import utcnow
from consult.models.participant import AGE_BANDS, CATEGORIES, GENDERS, NOTICE_VERSION, hash_token
from consult.payloads import participation_counts
from consult.services.errors import invalid, not_found
from consult.services.events import record_event
from consult.services.guards import lock_open
from consult.services.text import as_id, choice, clean_text, get_by_id

NICKNAME_MAX = 40


def join_workshop(
    workshop: Workshop,
    *,
    consent: object,
    nickname: object = None,
    category: object = None,
    gender: object = None,
    age_band: object = None,
    consent_version: str = NOTICE_VERSION,
) -> tuple[Participant, str]:
    """A new participant and the secret token that identifies them; only the token's hash is stored."""
    lock_open(workshop)
    if consent is not True:
        raise invalid(_l("Please read the notice on your data and accept it to join."), "consent")
    participant = Participant(
        workshop_id=workshop.id,
        nickname=clean_text(nickname, field="nickname", max_length=NICKNAME_MAX, required=False, multiline=False),
        category=choice(category, CATEGORIES, field="category"),
        gender=choice(gender, GENDERS, field="gender"),
        age_band=choice(age_band, AGE_BANDS, field="age_band"),
        consented_at=utcnow(),
        consent_version=consent_version,
    )
    token = secrets.token_urlsafe(32)
    participant.token_hash = hash_token(token)
    db.session.add(participant)
    db.session.flush()
    # The staff's screens read the counts once for many joins (consult/realtime): the log keeps who, not how many.
    data = {"participant_id": participant.id, "group_id": None}
    record_event(workshop, "participant.joined", data, participant=participant, stream="staff")
    return participant, token


def participant_by_token(token: object, workshop: Workshop | None = None) -> Participant | None:
    if not isinstance(token, str) or not token or len(token) > 200:
        return None
    query = select(Participant).where(Participant.token_hash == hash_token(token))
    if workshop is not None:
        query = query.where(Participant.workshop_id == workshop.id)
    return db.session.scalar(query)


def load_participant(participant_id: int) -> Participant | None:
    """A participant with its workshop and group, in one statement: every socket event of a phone needs them."""
    query = select(Participant).where(Participant.id == participant_id)
    return db.session.scalar(query.options(joinedload(Participant.workshop), joinedload(Participant.group)))


def find_group(workshop: Workshop, group_id: object) -> Group:
    """A group of this workshop; another workshop's group is as good as unknown."""
    number = as_id(group_id)
    if number is None:
        raise invalid(_l("Choose a group."), "group_id")
    group = get_by_id(Group, number)
    if group is None or group.workshop_id != workshop.id:
        raise not_found(_l("This group does not exist in this workshop."))
    return group


def choose_group(participant: Participant, group_id: object) -> Group:
    """Put the participant in a group of their workshop."""
    workshop = participant.workshop
    group = find_group(workshop, group_id)
    if participant.group_id == group.id:
        return group
    lock_open(workshop)
    seat(workshop, participant, group)
    return group


def seat(workshop: Workshop, participant: Participant, group: Group, *, user: Any = None) -> None:
    """Seat the participant in group, by their own choice or moved by a facilitator (user), under the lock.

    Who sits where is the staff's business: a join storm must not broadcast to every phone, and the staff's screens
    read the counts once for many seats. A facilitator's move goes to the public stream, with the counts, as it must
    reach the moved phone, which then draws its new table.
    """
    previous = participant.group_id
    participant.group_id = group.id
    data: dict[str, Any] = {"participant_id": participant.id, "group_id": group.id, "previous_group_id": previous}
    if user:
        db.session.flush()
        data["counts"] = participation_counts(workshop)
    stream = "public" if user else "staff"
    record_event(
        workshop, "participant.group_chosen", data, participant=None if user else participant, user=user, stream=stream
    )
