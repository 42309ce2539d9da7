"""Socket.IO rooms are called channels here, so that "room" only means the workshop's hall."""


def workshop_channel(workshop_id: int) -> str:
    return f"workshop:{workshop_id}"


def staff_channel(workshop_id: int) -> str:
    """The workshop's facilitators: events of the staff stream go only here."""
    return f"workshop:{workshop_id}:staff"
