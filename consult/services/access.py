"""Who may do what: facilitators on their commune's workshops, rapporteurs in their own group."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from consult.models import Group, Participant, User, Workshop
from consult.services.errors import forbidden


def check_facilitator(workshop: Workshop, user: User) -> None:
    """A facilitator acts only on the workshops of their own commune."""
    if not user.can_facilitate or user.commune_id != workshop.commune_id:
        raise forbidden()


def check_reader(workshop: Workshop, user: User) -> None:
    """Any account of the workshop's commune (staff included) may read and download its outcome."""
    if user.commune_id != workshop.commune_id:
        raise forbidden()


@dataclass(frozen=True)
class Actor:
    """The person behind a change: a logged-in user, or a participant (who may be a group's rapporteur)."""

    user: User | None = None
    participant: Participant | None = None

    @property
    def event_actor(self) -> dict[str, object]:
        return {"user": self.user, "participant": self.participant}


def require_facilitator(workshop: Workshop, actor: Actor) -> None:
    if actor.user is None:
        raise forbidden(_l("Only the facilitator can do this."))
    check_facilitator(workshop, actor.user)


def is_rapporteur(actor: Actor, group: Group) -> bool:
    return actor.participant is not None and group.rapporteur_id == actor.participant.id


def require_moderator(workshop: Workshop, actor: Actor, *groups: Group) -> None:
    """The facilitator, or the rapporteur of every one of these groups."""
    if actor.user is not None:
        check_facilitator(workshop, actor.user)
        return
    if not groups or not all(is_rapporteur(actor, g) for g in groups):
        raise forbidden(_l("Only the facilitator or this group's rapporteur can do this."))
