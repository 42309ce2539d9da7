"""Phases of a workshop and the countdown: the facilitator drives both, every screen follows."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l

from consult.models import Workshop
from consult.models.base import utcnow
from consult.models.workshop import PHASES
from consult.payloads import allowed_actions, timer_payload, vote_counts
from consult.services.access import Actor, require_facilitator
from consult.services.errors import invalid
from consult.services.events import record_event
from consult.services.guards import lock_open
from consult.services.workshops import close_workshop

TIMER_MAX = 4 * 60 * 60  # seconds: longer than any workshop session
TIMER_ACTIONS = ("start", "pause", "resume", "add", "stop")


def _seconds(value: object, *, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= TIMER_MAX:
        raise invalid(_l("Give a number of seconds between 1 and %(max)d.", max=TIMER_MAX), field)
    return value


def _stop_timer(workshop: Workshop) -> None:
    workshop.timer_ends_at = workshop.timer_remaining = workshop.timer_duration = None


def _start_timer(workshop: Workshop, seconds: int) -> None:
    workshop.timer_duration = seconds
    workshop.timer_remaining = None
    workshop.timer_ends_at = utcnow() + timedelta(seconds=seconds)


def set_phase(workshop: Workshop, actor: Actor, phase: object, *, seconds: object = None) -> None:
    """Move the workshop to another phase (optionally with a countdown); what participants may do follows."""
    require_facilitator(workshop, actor)
    if phase not in PHASES:
        raise invalid(_l("This choice is not valid."), "phase")
    if phase == "closed":
        close_workshop(workshop, actor.user)
        return
    lock_open(workshop, drafts=True)  # a draft may be set to the phase it will open in
    was_hidden = workshop.votes_hidden
    workshop.phase = phase
    if seconds is None:
        _stop_timer(workshop)
    else:
        _start_timer(workshop, _seconds(seconds, field="seconds"))
    data = {"phase": phase, "allowed": allowed_actions(workshop), "timer": timer_payload(workshop)}
    if was_hidden and not workshop.votes_hidden:
        data["votes"] = {str(k): v for k, v in vote_counts(workshop).items()}  # the counts come out at once
    record_event(workshop, "phase.changed", data, **actor.event_actor)


def control_timer(workshop: Workshop, actor: Actor, action: object, *, seconds: object = None) -> None:
    """start (seconds), pause, resume, add (seconds, default a minute), stop."""
    require_facilitator(workshop, actor)
    if action not in TIMER_ACTIONS:
        raise invalid(_l("This choice is not valid."), "action")
    lock_open(workshop)
    now = utcnow()
    if action == "start":
        _start_timer(workshop, _seconds(seconds, field="seconds"))
    elif action == "stop":
        _stop_timer(workshop)
    elif action == "pause" and workshop.timer_ends_at is not None:
        workshop.timer_remaining = max(0, round((workshop.timer_ends_at - now).total_seconds()))
        workshop.timer_ends_at = None
    elif action == "resume" and workshop.timer_remaining is not None:
        workshop.timer_ends_at = now + timedelta(seconds=workshop.timer_remaining)
        workshop.timer_remaining = None
    elif action == "add":
        extra = 60 if seconds is None else _seconds(seconds, field="seconds")
        if workshop.timer_ends_at is not None:
            workshop.timer_ends_at = max(workshop.timer_ends_at, now) + timedelta(seconds=extra)
        elif workshop.timer_remaining is not None:
            workshop.timer_remaining += extra
        else:
            _start_timer(workshop, extra)
        workshop.timer_duration = (workshop.timer_duration or 0) + extra
    else:
        return  # pausing a timer that is not running, or resuming one that is not paused: nothing to say
    record_event(workshop, "timer.changed", {"timer": timer_payload(workshop)}, **actor.event_actor)
