"""Entry point: `python app.py` serves on HOST:PORT with gevent (default) or eventlet (CONSULT_ASYNC_MODE=eventlet)."""

import gc
import os
import socket

ASYNC_MODE = os.environ.get("CONSULT_ASYNC_MODE", "gevent")

# Monkey-patching must happen before anything else imports socket or threading.
if __name__ == "__main__":
    if ASYNC_MODE == "gevent":
        from gevent import monkey

        monkey.patch_all()
    elif ASYNC_MODE == "eventlet":
        import eventlet

        eventlet.monkey_patch()

from consult import create_app  # noqa: E402
from consult.extensions import socketio  # noqa: E402

app = create_app()

if __name__ == "__main__":
    # What start-up allocated lives as long as the process: keep it out of the collector's full passes,
    # which otherwise pause every socket of the process while they walk the whole heap.
    gc.freeze()
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    log_output = os.environ.get("ACCESS_LOG") == "1"
    print(f"Tashawur serving on http://{host}:{port} ({ASYNC_MODE})", flush=True)
    # Acks are small frames: without TCP_NODELAY, Nagle's algorithm holds each one back up to 40 ms.
    if ASYNC_MODE == "eventlet":
        import eventlet.wsgi

        listener = eventlet.listen((host, port))
        listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # accepted sockets inherit it on Linux
        eventlet.wsgi.server(listener, app, log_output=log_output)
    elif ASYNC_MODE == "gevent":
        from gevent.pywsgi import WSGIHandler

        class Handler(WSGIHandler):
            def __init__(self, sock, *args, **kwargs):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                super().__init__(sock, *args, **kwargs)

            def run_application(self):
                super().run_application()
                # After a WebSocket session the connection carries frames, not HTTP: do not read it as a next request.
                if self.environ.get("HTTP_UPGRADE", "").lower() == "websocket":
                    self.close_connection = True

        socketio.run(app, host=host, port=port, log_output=log_output, handler_class=Handler)
    else:
        socketio.run(app, host=host, port=port, log_output=log_output, allow_unsafe_werkzeug=True)
