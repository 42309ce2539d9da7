"""Socket.IO transport: the /live namespace. Handlers authenticate, call a service, and ack."""

from flask import Flask

from consult.extensions import socketio
from consult.realtime.channels import staff_channel, workshop_channel
from consult.realtime.live import LiveNamespace
from consult.services import events


def broadcast(workshop_id: int, message: dict, stream: str) -> None:
    if stream == "staff":
        socketio.emit("staff_event", message, to=staff_channel(workshop_id), namespace="/live")
    else:
        socketio.emit("event", message, to=workshop_channel(workshop_id), namespace="/live")


def init_app(app: Flask) -> None:
    socketio.on_namespace(LiveNamespace("/live"))
    events.subscribe(broadcast)
