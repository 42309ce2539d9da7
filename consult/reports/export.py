"""Turning a workshop into a file, in any format, in-process or (under gevent/eventlet) in a child process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import current_app, has_request_context, request

from consult.models import Workshop
from consult.reports.outcome import REPORT_LANGUAGES, build_outcome

FORMATS = ("pdf", "docx", "xlsx", "csv", "json", "md")
MIMETYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
}
ROOT = Path(__file__).resolve().parent.parent.parent


def writer(fmt: str) -> Callable[[dict[str, Any]], bytes]:
    # Imported on demand: the PDF and Office libraries are heavy and only reports need them.
    if fmt == "pdf":
        from consult.reports.pdf import write_pdf

        return write_pdf
    if fmt in ("docx", "xlsx"):
        from consult.reports import office

        return office.write_docx if fmt == "docx" else office.write_xlsx
    from consult.reports import text

    return {"csv": text.write_csv, "json": text.write_json, "md": text.write_markdown}[fmt]


def render(workshop: Workshop, fmt: str, *, lang: str = "ar", public: bool = True) -> bytes:
    """The report of a workshop as the bytes of one file."""
    if fmt not in FORMATS or lang not in REPORT_LANGUAGES:
        raise ValueError(f"{fmt} {lang}")
    return writer(fmt)(build_outcome(workshop, lang=lang, public=public))


def filename(workshop: Workshop, fmt: str, lang: str, public: bool) -> str:
    return f"tashawur-{workshop.code}-{lang.replace('+', '-')}{'-public' if public else ''}.{fmt}"


def render_off_loop(workshop: Workshop, fmt: str, *, lang: str, public: bool) -> bytes:
    """Build the report without stalling the live sockets of this process.

    Under gevent or eventlet, CPU work in a greenlet would hold every socket of the process: the report is built
    by `flask export` in a child process, which the (monkey-patched) subprocess module waits for cooperatively.
    Under threading (tests, the debugger) it is built in-process.
    """
    if current_app.config.get("ASYNC_MODE") not in ("gevent", "eventlet"):
        return render(workshop, fmt, lang=lang, public=public)
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / f"report.{fmt}"
        env = {**os.environ, "DATABASE_URL": current_app.config["SQLALCHEMY_DATABASE_URI"]}
        if not current_app.config.get("PUBLIC_URL") and has_request_context():
            env["PUBLIC_URL"] = request.host_url  # the QR code to the public page points where this reader came
        # At a lower CPU priority: on a two-core laptop the live sockets come first.
        nice = ["nice", "-n", "10"] if shutil.which("nice") else []
        command = [*nice, sys.executable, "-m", "flask", "--app", "app", "export", workshop.code, "--format", fmt]
        command += ["--lang", lang, "-o", str(target), *(["--public"] if public else [])]
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise RuntimeError(f"export failed: {done.stderr[-2000:]}")
        return target.read_bytes()
