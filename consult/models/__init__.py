"""SQLAlchemy 2.0 typed models, one module per aggregate."""

from consult.models.commune import Commune, User
from consult.models.event import WorkshopEvent
from consult.models.item import Item, Vote
from consult.models.participant import Participant
from consult.models.workshop import Group, Theme, Workshop

__all__ = ["Commune", "Group", "Item", "Participant", "Theme", "User", "Vote", "Workshop", "WorkshopEvent"]
