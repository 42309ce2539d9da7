from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import g, request, session
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, Namespace, join_room

from consult import throttle
from consult.extensions import db
from consult.models import User, Workshop, WorkshopEvent
from consult.payloads import (
    group_payload,
    item_payload,
    participant_payload,
    participation_counts,
    recommendations_payload,
    timer_payload,
    vote_counts,
    workshop_payload,
)
from consult.realtime.channels import staff_channel, workshop_channel
from consult.services import ServiceError, unit_of_work
from consult.services.access import Actor, check_facilitator
from consult.services.errors import forbidden, invalid
from consult.services.events import events_since, replay
from consult.services.items import approve_item, group_items, pending_items, post_item, reject_item, scribe_post
from consult.services.moderation import (
    edit_item,
    hide_item,
    merge_items,
    move_item,
    pin_item,
    restore_item,
    set_decision,
    set_rapporteur,
    unmerge_item,
)
from consult.services.participants import choose_group, find_group, load_participant, participant_by_token
from consult.services.phases import control_timer, set_phase
from consult.services.recommendations import delete_recommendation, reorder_recommendations, save_recommendation
from consult.services.suggestions import suggest_merges
from consult.services.tables import move_participant, seat_participant
from consult.services.text import ID_MAX
from consult.services.votes import budget, cast_vote, dots_used, my_votes, withdraw_vote
from consult.services.workshops import find_workshop
from consult.web import forget_request_state

log = logging.getLogger(__name__)
SYNC_LIMIT = 1000


@dataclass
class Connection:
    """Who is at the other end of a socket: fixed at connect time."""

    workshop_id: int
    participant_id: int | None = None
    user_id: int | None = None
    locale: str | None = None
    address: str | None = None  # the client's address at connect time, for the throttles

    @property
    def is_facilitator(self) -> bool:
        return self.user_id is not None


# sid -> Connection, for the sockets of this process (sticky sessions keep a socket on one process).
connections: dict[str, Connection] = {}


def use_locale(locale: str | None) -> None:
    """Speak the connection's language (asked at connect time) in this handler."""
    g.locale = locale
    refresh()  # Flask-Babel caches the locale on the context


def refuse(error: ServiceError) -> dict[str, Any]:
    return {"ok": False, "error": error.as_dict()}


def _identify(auth: dict[str, Any]) -> Connection:
    token = auth.get("token")
    if token is not None:
        participant = participant_by_token(token)
        if participant is None:
            raise forbidden(_("This link has expired. Join the workshop again."))
        return Connection(workshop_id=participant.workshop_id, participant_id=participant.id)
    workshop = find_workshop(auth.get("workshop") if isinstance(auth.get("workshop"), str) else "")
    if auth.get("role") != "participant" and current_user.is_authenticated:
        check_facilitator(workshop, current_user)
        return Connection(workshop_id=workshop.id, user_id=current_user.id)
    participant = participant_by_token(session.get("participants", {}).get(workshop.code), workshop)
    if participant is None:
        raise forbidden(_("Join the workshop first."))
    return Connection(workshop_id=workshop.id, participant_id=participant.id)


def live_event(handler: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """Load the connection, check the payload is an object, run the handler in one unit of work, ack."""

    limit: throttle.SocketLimit | None = getattr(handler, "throttle", None)

    @wraps(handler)
    def wrapper(self: LiveNamespace, data: Any = None, *extra: Any) -> dict[str, Any]:
        conn = connections.get(request.sid)
        if conn is None:
            return refuse(forbidden())
        use_locale(conn.locale)
        if data is None:
            data = {}
        if not isinstance(data, dict) or extra:
            return refuse(invalid(_("The request must be an object.")))
        try:
            if limit is not None:  # before any database work: refusals are cheap
                limit(request.sid, conn)
            with unit_of_work():
                # A phone's participant comes with its workshop and group in one statement (posts need all three).
                participant = load_participant(conn.participant_id) if conn.participant_id else None
                workshop = db.session.get(Workshop, conn.workshop_id)
                user = db.session.get(User, conn.user_id) if conn.user_id else None
                # A purged participant's id may come back on SQLite for a newcomer elsewhere: the row must still match.
                stale = conn.participant_id and (participant is None or participant.workshop_id != conn.workshop_id)
                if workshop is None or stale:
                    raise forbidden()
                return handler(self, data, workshop=workshop, participant=participant, user=user)
        except ServiceError as error:
            return refuse(error)
        except Exception:
            log.exception("live event %s failed", handler.__name__)
            return refuse(ServiceError("invalid", _("Something went wrong. Try again.")))

    return wrapper


class LiveNamespace(Namespace):
    """/live: participants, facilitators and the board of one workshop."""

    def on_connect(self, auth: Any = None) -> dict[str, Any] | None:
        if request.sid in connections:  # "connect" emitted as an ordinary event by a connected client
            use_locale(connections[request.sid].locale)
            return refuse(invalid(_("This request is not valid.")))
        if auth is not None and not isinstance(auth, dict):
            raise ConnectionRefusedError(invalid(_("The request must be an object.")).as_dict())
        auth = auth or {}
        forget_request_state()
        locale = auth.get("lang") if isinstance(auth.get("lang"), str) else None
        use_locale(locale)
        try:
            conn = _identify(auth)
        except ServiceError as error:
            raise ConnectionRefusedError(error.as_dict()) from None
        conn.locale = locale
        conn.address = throttle.client_address()
        # End the transaction before entering the channels: giving the connection back is I/O, and under gevent a
        # broadcast made meanwhile would reach this socket ahead of its connect acknowledgement (seen on PostgreSQL).
        db.session.commit()
        connections[request.sid] = conn
        join_room(workshop_channel(conn.workshop_id))
        if conn.is_facilitator:
            join_room(staff_channel(conn.workshop_id))

    def on_disconnect(self, reason: Any = None) -> None:
        if self.socketio.server.manager.is_connected(request.sid, self.namespace):
            return  # "disconnect" emitted as an ordinary event: a real disconnect is no longer "connected" here
        connections.pop(request.sid, None)

    @live_event
    @throttle.per_socket("RATELIMIT_SOCKET_STATE")
    def on_state(self, data, *, workshop, participant, user):
        """Everything a screen needs to draw itself: the workshop, its visible items, counts, and who I am."""
        seq = workshop.last_seq
        votes = vote_counts(workshop)
        if participant:
            me = {**participant_payload(participant), "votes": {str(k): v for k, v in my_votes(participant).items()}}
            me["votes_remaining"] = budget(workshop) - dots_used(participant)
        else:
            me = {"facilitator": True, "staff_seq": workshop.staff_seq}
        return {
            "ok": True,
            "seq": seq,
            "workshop": workshop_payload(workshop),
            "items": [item_payload(i, votes) for i in group_items(workshop)],
            "recommendations": recommendations_payload(workshop),
            "counts": participation_counts(workshop),
            "me": me,
            # Held for pre-moderation: all of them for facilitators, one's own for a participant.
            "pending": [item_payload(i) for i in pending_items(workshop, participant)],
        }

    @live_event
    def on_join_group(self, data, *, workshop, participant, user):
        group = (
            choose_group(participant, data.get("group_id"))
            if participant
            else find_group(workshop, data.get("group_id"))
        )
        seq = workshop.last_seq
        votes = vote_counts(workshop)  # once for all the items, not once per item
        return {
            "ok": True,
            "seq": seq,
            "group_id": group.id,
            "items": [item_payload(i, votes) for i in group_items(workshop, group.id)],
        }

    @live_event
    def on_join_theme(self, data, *, workshop, participant, user):
        """A participant picks an axis and is seated at its least-full table; the reply is join_group's."""
        if participant is None:
            raise forbidden(_("Only participants take a seat."))
        group = seat_participant(participant, data.get("theme_id"))
        seq = workshop.last_seq
        votes = vote_counts(workshop)
        return {
            "ok": True,
            "seq": seq,
            "group_id": group.id,
            "items": [item_payload(i, votes) for i in group_items(workshop, group.id)],
        }

    @live_event
    def on_move_participant(self, data, *, workshop, participant, user):
        """The facilitator seats somebody at another table."""
        moved = move_participant(workshop, Actor(user, participant), data.get("participant_id"), data.get("group_id"))
        return {"ok": True, "seq": workshop.last_seq, "participant_id": moved.id, "group_id": moved.group_id}

    @live_event
    @throttle.socket_posts
    def on_post(self, data, *, workshop, participant, user):
        if participant is None:
            raise forbidden(_("Facilitators post through scribe mode."))
        item, created = post_item(
            workshop,
            participant,
            group_id=data.get("group_id"),
            kind=data.get("kind"),
            text=data.get("text"),
            client_id=data.get("client_id"),
            parent_id=data.get("parent_id"),
        )
        # A pending item has no public event yet: the ack then carries the stream's current seq.
        # A new item has no votes yet: no need to count them again for the ack.
        return {"ok": True, "item": item_payload(item, {} if created else None), "seq": item.seq or workshop.last_seq}

    @live_event
    @throttle.per_socket("RATELIMIT_SOCKET_SYNC")
    def on_sync(self, data, *, workshop, participant, user):
        since = data.get("since", 0)
        if not isinstance(since, int) or isinstance(since, bool) or not 0 <= since <= ID_MAX:
            raise invalid(_("“since” must be a whole number."), "since")
        stream = data.get("stream", "public")
        if stream not in WorkshopEvent.STREAMS:
            raise invalid(_("This choice is not valid."), "stream")
        if stream == "staff" and user is None:
            raise forbidden()
        events = events_since(workshop, since, SYNC_LIMIT, stream)
        last = workshop.last_seq if stream == "public" else workshop.staff_seq
        # The last event sent, not last_seq read afterwards: an event committed in between must not be skipped.
        seq = events[-1].seq if events else min(since, last)
        return {"ok": True, "seq": seq, "events": replay(workshop, events, stream), "more": len(events) == SYNC_LIMIT}

    @live_event
    def on_my_votes(self, data, *, workshop, participant, user):
        """A phone's own dots, after a merge or an unmerge carried them from one item to another."""
        if participant is None:
            raise forbidden(_("Only participants vote."))
        votes = {str(k): v for k, v in my_votes(participant).items()}
        return {
            "ok": True,
            "seq": workshop.last_seq,
            "votes": votes,
            "remaining": budget(workshop) - dots_used(participant),
        }

    # Dot voting (participants).

    @live_event
    def on_vote(self, data, *, workshop, participant, user):
        if participant is None:
            raise forbidden(_("Only participants vote."))
        result = cast_vote(workshop, participant, item_id=data.get("item_id"), client_id=data.get("client_id"))
        return {"ok": True, "seq": workshop.last_seq, **result}

    @live_event
    def on_unvote(self, data, *, workshop, participant, user):
        if participant is None:
            raise forbidden(_("Only participants vote."))
        result = withdraw_vote(workshop, participant, item_id=data.get("item_id"), client_id=data.get("client_id"))
        return {"ok": True, "seq": workshop.last_seq, **result}

    # Facilitation (the facilitator; moderation and consolidation also a group's rapporteur).

    @live_event
    def on_set_phase(self, data, *, workshop, participant, user):
        set_phase(workshop, Actor(user, participant), data.get("phase"), seconds=data.get("seconds"))
        return {"ok": True, "seq": workshop.last_seq, "phase": workshop.phase}

    @live_event
    def on_timer(self, data, *, workshop, participant, user):
        control_timer(workshop, Actor(user, participant), data.get("action"), seconds=data.get("seconds"))
        return {"ok": True, "seq": workshop.last_seq, "timer": timer_payload(workshop)}

    @live_event
    def on_hide_item(self, data, *, workshop, participant, user):
        item = hide_item(workshop, Actor(user, participant), data.get("item_id"), data.get("reason"))
        return {"ok": True, "seq": workshop.last_seq, "item_id": item.id}

    @live_event
    def on_restore_item(self, data, *, workshop, participant, user):
        item = restore_item(workshop, Actor(user, participant), data.get("item_id"))
        return {"ok": True, "seq": workshop.last_seq, "item": item_payload(item)}

    @live_event
    def on_edit_item(self, data, *, workshop, participant, user):
        item = edit_item(workshop, Actor(user, participant), data.get("item_id"), data.get("text"))
        return {"ok": True, "seq": workshop.last_seq, "item": item_payload(item)}

    @live_event
    def on_pin_item(self, data, *, workshop, participant, user):
        item = pin_item(workshop, Actor(user, participant), data.get("item_id"), data.get("pinned"))
        return {"ok": True, "seq": workshop.last_seq, "item": item_payload(item)}

    @live_event
    def on_move_item(self, data, *, workshop, participant, user):
        moved = move_item(workshop, Actor(user, participant), data.get("item_id"), data.get("group_id"))
        return {"ok": True, "seq": workshop.last_seq, "items": [item_payload(i) for i in moved]}

    @live_event
    def on_merge_items(self, data, *, workshop, participant, user):
        keep = merge_items(workshop, Actor(user, participant), data.get("keep_id"), data.get("merge_ids"))
        return {"ok": True, "seq": workshop.last_seq, "item": item_payload(keep)}

    @live_event
    def on_unmerge_item(self, data, *, workshop, participant, user):
        item = unmerge_item(workshop, Actor(user, participant), data.get("item_id"))
        return {"ok": True, "seq": workshop.last_seq, "item": item_payload(item)}

    @live_event
    def on_suggest_merges(self, data, *, workshop, participant, user):
        """Pairs that may say the same thing, best first; advice only, nothing changes."""
        actor = Actor(user, participant)
        pairs = suggest_merges(workshop, actor, theme_id=data.get("theme_id"), group_id=data.get("group_id"))
        return {"ok": True, "pairs": [p.as_dict() for p in pairs]}

    @live_event
    def on_set_decision(self, data, *, workshop, participant, user):
        actor = Actor(user, participant)
        item = set_decision(workshop, actor, data.get("item_id"), data.get("decision"), data.get("reason"))
        return {"ok": True, "seq": workshop.last_seq, "item": item_payload(item)}

    @live_event
    def on_set_rapporteur(self, data, *, workshop, participant, user):
        group = set_rapporteur(workshop, Actor(user, participant), data.get("group_id"), data.get("participant_id"))
        return {"ok": True, "seq": workshop.last_seq, "group": group_payload(group)}

    @live_event
    def on_scribe_post(self, data, *, workshop, participant, user):
        item, _created = scribe_post(
            workshop,
            Actor(user, participant),
            group_id=data.get("group_id"),
            kind=data.get("kind"),
            text=data.get("text"),
            client_id=data.get("client_id"),
            parent_id=data.get("parent_id"),
            speaker_category=data.get("speaker_category"),
            speaker_gender=data.get("speaker_gender"),
        )
        return {"ok": True, "seq": workshop.last_seq, "item": item_payload(item)}

    @live_event
    def on_save_recommendation(self, data, *, workshop, participant, user):
        rec = save_recommendation(workshop, Actor(user, participant), data)
        return {"ok": True, "seq": workshop.last_seq, "id": rec.id}

    @live_event
    def on_delete_recommendation(self, data, *, workshop, participant, user):
        delete_recommendation(workshop, Actor(user, participant), data.get("id"))
        return {"ok": True, "seq": workshop.last_seq}

    @live_event
    def on_reorder_recommendations(self, data, *, workshop, participant, user):
        reorder_recommendations(workshop, Actor(user, participant), data.get("theme_id"), data.get("ids"))
        return {"ok": True, "seq": workshop.last_seq}

    @live_event
    def on_approve_item(self, data, *, workshop, participant, user):
        item = approve_item(workshop, Actor(user, participant), data.get("item_id"))
        return {"ok": True, "seq": workshop.last_seq, "item": item_payload(item)}

    @live_event
    def on_reject_item(self, data, *, workshop, participant, user):
        item = reject_item(workshop, Actor(user, participant), data.get("item_id"), data.get("reason"))
        return {"ok": True, "seq": workshop.last_seq, "item_id": item.id}
