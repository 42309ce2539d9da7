"""SQLAlchemy 2.0 typed models, one module per aggregate."""

from consult.models.commune import Commune, User
from consult.models.consultation import Comment, Support
from consult.models.event import WorkshopEvent
from consult.models.item import Item, ItemRevision, Vote
from consult.models.participant import Participant
from consult.models.process import Adoption, Document, FollowUpUpdate, Process, Step
from consult.models.recommendation import Recommendation
from consult.models.workshop import Group, Theme, Workshop

__all__ = [
    "Adoption",
    "Comment",
    "Document",
    "FollowUpUpdate",
    "Process",
    "Step",
    "Support",
    "Commune",
    "Group",
    "Item",
    "ItemRevision",
    "Participant",
    "Recommendation",
    "Theme",
    "User",
    "Vote",
    "Workshop",
    "WorkshopEvent",
]
