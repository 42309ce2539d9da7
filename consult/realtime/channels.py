"""Socket.IO rooms are called channels here, so that "room" only means the workshop's hall."""


def workshop_channel(workshop_id: int) -> str:
    return f"workshop:{workshop_id}"
