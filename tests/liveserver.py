"""A real Tashawur server process on a free loopback port, for the server, browser and scale-out tests."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
# Every phone of these tests and benches comes from 127.0.0.1, like a whole hall behind one address, and joins
# and posts faster than any room: lift the per-address join and post throttles (a caller's env still wins).
LOOPBACK_LIMITS = {"RATELIMIT_JOIN": "100000 per minute", "RATELIMIT_POST_ADDRESS": "100000 per minute"}
# What prepare_database gives start_server: (env, join code, facilitator email, password, public page path).
Prepared = tuple[dict[str, str], str, str, str, str]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_flask(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """`flask --app app ARGS` as an operator runs it, in this environment."""
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def flask_cli(env: dict[str, str], *args: str) -> str:
    result = run_flask(env, *args)
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


@dataclass
class LiveServer:
    url: str
    code: str
    email: str
    password: str
    process: subprocess.Popen
    env: dict[str, str] = field(repr=False)
    log_path: Path = field(repr=False)
    public_path: str = ""  # the demo's published process: /p/<commune>/<process>

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_size(self) -> int:
        """Where the log ends now: pass it to log_since() to read only what a test added."""
        return self.log_path.stat().st_size

    def log_since(self, offset: int) -> str:
        with self.log_path.open("rb") as f:
            f.seek(offset)
            return f.read().decode(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def rss_kib(self) -> int | None:
        """The server process's resident memory (VmRSS, KiB), on Linux while it runs."""
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return None
        found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
        return int(found.group(1)) if found else None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def prepare_database(database_url: str, extra_env: dict[str, str] | None = None) -> Prepared:
    """Create the schema with migrations and the demo workshop; returns (env, code, email, password, public_path):
    the demo's join code, facilitator login and its published process's public page (/p/<commune>/<process>)."""
    env = {**os.environ, "DATABASE_URL": database_url, "FLASK_CONFIG": "development", **(extra_env or {})}
    # Servers of one database count their throttles together, apart from earlier runs kept in a shared Redis.
    env.setdefault("RATELIMIT_KEY_PREFIX", f"test-{uuid.uuid4().hex[:12]}")
    flask_cli(env, "db", "upgrade")
    out = flask_cli(env, "demo")
    code = re.search(r"join code: (\w+)", out).group(1)
    email, password = re.search(r"facilitator login: (\S+) / (\S+)", out).groups()
    public_path = urlsplit(re.search(r"public page: (\S+)", out).group(1)).path
    return env, code, email, password, public_path


def clone_sqlite(prepared: Prepared, path: Path) -> Prepared:
    """Copy a prepared SQLite database (schema + demo) to path: much faster than migrating again for each server."""
    source = prepared[0]["DATABASE_URL"].removeprefix("sqlite:///")
    src, dst = sqlite3.connect(source), sqlite3.connect(path)
    try:
        src.backup(dst)  # a consistent copy, WAL included
    finally:
        src.close()
        dst.close()
    env = {**prepared[0], "DATABASE_URL": f"sqlite:///{path}"}
    return (env, *prepared[1:])


def start_server(
    tmp_path: Path,
    *,
    async_mode: str = "gevent",
    database_url: str | None = None,
    extra_env: dict[str, str] | None = None,
    prepared: Prepared | None = None,
) -> LiveServer:
    """Start `python app.py` and wait until it answers."""
    database_url = database_url or f"sqlite:///{tmp_path / 'live.sqlite'}"
    env, code, email, password, public_path = prepared or prepare_database(database_url, extra_env)
    env = {**env, **(extra_env or {})}  # a prepared copy's server takes them too
    for _attempt in range(3):
        port = free_port()
        run_env = {**LOOPBACK_LIMITS, **env, "PORT": str(port), "HOST": "127.0.0.1", "CONSULT_ASYNC_MODE": async_mode}
        log_path = tmp_path / f"server-{port}.log"
        with log_path.open("w") as log_file:  # the child keeps its own copy of the descriptor
            process = subprocess.Popen(
                [sys.executable, "app.py"], cwd=ROOT, env=run_env, stdout=log_file, stderr=subprocess.STDOUT
            )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if process.poll() is not None:
                break
            try:
                if requests.get(url + "/", timeout=1).status_code == 200:
                    return LiveServer(url, code, email, password, process, run_env, log_path, public_path)
            except requests.RequestException:
                pass
            time.sleep(0.1)
        else:
            process.kill()
            process.wait()
            raise RuntimeError(f"server did not start:\n{log_path.read_text()}")
        if "Address already in use" not in log_path.read_text():  # another process took the free port: try again
            raise RuntimeError(f"server exited:\n{log_path.read_text()}")
    raise RuntimeError(f"server could not find a free port:\n{log_path.read_text()}")


def facilitator_session(server: LiveServer) -> requests.Session:
    """An HTTP session logged in as the demo facilitator through the /login form."""
    session = requests.Session()
    form = session.get(f"{server.url}/login", timeout=10)
    form.raise_for_status()
    done = session.post(
        f"{server.url}/login",
        data={"email": server.email, "password": server.password, "csrf_token": csrf_token(form.text)},
        allow_redirects=False,
        timeout=10,
    )
    if done.status_code != 302:
        raise RuntimeError(f"facilitator login failed: {done.status_code}")
    return session


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    if found is None:
        raise RuntimeError("no csrf_token in the form")
    return found.group(1)


def create_open_workshop(
    server: LiveServer, session: requests.Session, title: str, axes: tuple[str, ...] = ("Eau", "Routes", "Écoles")
) -> str:
    """Create a workshop through /facilitate/new (problems and solutions together), open it, move it to the problems
    phase; returns its code."""
    form = session.get(f"{server.url}/facilitate/new", timeout=10)
    form.raise_for_status()
    created = session.post(
        f"{server.url}/facilitate/new",
        data={
            "csrf_token": csrf_token(form.text),
            "title": title,
            "date": "",
            "venue": "",
            "language": "fr",
            "axes": "\n".join(axes),
            "principles": "Transparence",
            "votes_per_participant": "3",
            "together": "y",
        },
        allow_redirects=False,
        timeout=10,
    )
    found = re.search(r"/facilitate/(\w+)$", created.headers.get("Location", ""))
    if created.status_code != 302 or found is None:
        raise RuntimeError(f"creating a workshop failed: {created.status_code}")
    code = found.group(1)
    page = session.get(f"{server.url}/facilitate/{code}", timeout=10)
    opened = session.post(
        f"{server.url}/facilitate/{code}/open",
        data={"csrf_token": csrf_token(page.text)},
        allow_redirects=False,
        timeout=10,
    )
    if opened.status_code != 302:
        raise RuntimeError(f"opening {code} failed: {opened.status_code}")
    phase = session.post(
        f"{server.url}/facilitate/{code}/phase",
        data={"csrf_token": csrf_token(page.text), "phase": "problems"},
        allow_redirects=False,
        timeout=10,
    )
    if phase.status_code != 302:
        raise RuntimeError(f"moving {code} to the problems phase failed: {phase.status_code}")
    state = requests.get(f"{server.url}/api/v1/workshops/{code}", timeout=10)
    if state.status_code != 200 or state.json().get("status") != "open" or state.json().get("phase") != "problems":
        raise RuntimeError(f"{code} is not open: {state.status_code} {state.text[:200]}")
    return code


class LinkProxy:
    """Forwards bytes between the phone and the server on a port of its own.

    hold(): nothing goes through any more, in either direction, but no socket is closed (a silent link).
    cut(): every connection is closed and new ones are closed at once (no link at all).
    release(): bytes flow again; what was sent during a hold goes through then, as TCP would deliver it.
    take(): the bytes the server sent the phone since the last call (headers, bodies, socket frames).
    refuse_websockets: answer a WebSocket upgrade with 403 and close, as some proxies and captive portals do.
    """

    def __init__(self, target_port: int):
        self.target = ("127.0.0.1", target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.flowing = threading.Event()
        self.flowing.set()
        self.refusing = False
        self.refuse_websockets = False
        self.sockets: list[socket.socket] = []
        self.received = 0
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                phone, _addr = self.listener.accept()
            except OSError:
                return
            if self.refusing:
                phone.close()
                continue
            server = socket.create_connection(self.target)
            with self.lock:
                self.sockets += [phone, server]
            threading.Thread(target=self._pipe, args=(phone, server, False), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, phone, True), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, counted: bool) -> None:
        try:
            while True:
                self.flowing.wait()
                data = source.recv(65536)
                if not data:
                    break
                self.flowing.wait()  # bytes read just as the hold began wait for the release too
                if not counted and self.refuse_websockets and b"upgrade: websocket" in data.lower():
                    source.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    break
                if counted:
                    with self.lock:
                        self.received += len(data)
                sink.sendall(data)
        except OSError:
            pass
        for s in (source, sink):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def take(self) -> int:
        with self.lock:
            count, self.received = self.received, 0
        return count

    def hold(self) -> None:
        self.flowing.clear()

    def release(self) -> None:
        self.refusing = False
        self.flowing.set()

    def cut(self) -> None:
        self.refusing = True
        with self.lock:
            for s in self.sockets:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
            self.sockets.clear()

    def close(self) -> None:
        self.release()
        self.listener.close()
        self.cut()
