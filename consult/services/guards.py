"""The one guard every write goes through: lock the workshop, reread it, and refuse if it takes no changes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from consult.models import Item, Workshop
from consult.models.item import ACTIONS as ITEM_ACTIONS
from consult.models.item import STAFF_ONLY
from consult.services.access import Actor, require_moderator
from consult.services.errors import ServiceError, invalid, not_found
from consult.services.events import lock_workshop
from consult.services.text import get_by_id


def require_open(workshop: Workshop, *, drafts: bool = False) -> None:
    """Closed workshops take no change; drafts take only the facilitator's preparation (drafts=True)."""
    if workshop.status == "closed":
        raise ServiceError("closed", _l("This workshop is closed."))
    if workshop.status == "draft" and not drafts:
        raise ServiceError("closed", _l("This workshop has not started yet."))


def lock_open(workshop: Workshop, *, drafts: bool = False) -> Workshop:
    """Lock, then read: the checks see the row as it is now, not as it was before another writer committed."""
    lock_workshop(workshop)
    require_open(workshop, drafts=drafts)
    return workshop


# Why an action does not apply to an item in its current state (the states are in consult/models/item.py).
STATE_REFUSALS = {
    "approve": _l("This item is not waiting for approval."),
    "reject": _l("This item is not waiting for approval."),
    "hide": _l("Only a visible item can be hidden."),
    "restore": _l("Only a hidden item can be restored."),
    "merge": _l("Merge visible items into another visible item."),
    "merge_into": _l("Merge visible items into another visible item."),
    "unmerge": _l("This item was not merged."),
    "edit": _l("This item is not on the screens."),
    "pin": _l("This item is not on the screens."),
    "decide": _l("This item is not on the screens."),
    "move": _l("This item is not on the screens."),
}


def find_item(workshop: Workshop, item_id: object, *, field: str = "item_id") -> Item:
    if not isinstance(item_id, int) or isinstance(item_id, bool):
        raise invalid(_l("Choose an item."), field)
    item = get_by_id(Item, item_id)
    if item is None or item.workshop_id != workshop.id:
        raise not_found(_l("This item does not exist in this workshop."))
    return item


def moderated_item(workshop: Workshop, actor: Actor, item_id: object, action: str, *, field: str = "item_id") -> Item:
    """The item an action applies to, once the actor may moderate its group and its state accepts the action."""
    item = find_item(workshop, item_id, field=field)
    if item.status in STAFF_ONLY and actor.user is None:
        raise not_found(_l("This item does not exist in this workshop."))
    require_moderator(workshop, actor, item.group)
    if item.status not in ITEM_ACTIONS[action][0]:
        raise invalid(STATE_REFUSALS[action], field)
    return item
