"""Every report of a workshop in a published process carries the way to its public page: a QR code and the address."""

from __future__ import annotations

import io
import json
import shutil
import subprocess

import docx
import openpyxl
import pytest
from PIL import Image

from consult.reports.export import render
from consult.services.processes import attach_workshop, create_process, public_url, update_process
from tests.reports.conftest import run

SITE = "https://tashawur.aitamira.ma"


@pytest.fixture
def in_process(app, held):
    """The held workshop in the commune's open-commune programme, whose public page is online."""
    app.config["PUBLIC_URL"] = SITE + "/"
    user = held.facilitator
    process = run(create_process, user, title="Programme de la commune ouverte", kind="open_commune")
    run(update_process, process, user, title=process.title, kind=process.kind, published=True)
    run(attach_workshop, process, held.workshop, user)
    return process


def qr_codes(pdf: bytes, tmp_path) -> list[str]:
    """The QR codes on the first page, read by zxing-cpp from poppler's rendering."""
    zxingcpp = pytest.importorskip("zxingcpp")
    if shutil.which("pdftoppm") is None:
        pytest.skip("rendering PDFs needs pdftoppm (apt-get install -y poppler-utils; CI installs it)")
    (tmp_path / "r.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(tmp_path / "r.pdf"), str(tmp_path / "p")],
                   check=True)  # fmt: skip
    page = next(tmp_path.glob("p*.png"))
    return [code.text for code in zxingcpp.read_barcodes(Image.open(page))]


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_the_pdf_qr_code_reads_back_as_the_public_page(in_process, held, tmp_path, lang):
    url = public_url(in_process)
    assert url == f"{SITE}/p/{in_process.commune.slug}/{in_process.slug}"
    pdf = render(held.workshop, "pdf", lang=lang, public=True)
    assert qr_codes(pdf, tmp_path) == [url]
    text = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-", "-"], input=pdf, capture_output=True).stdout
    assert url.encode() in text  # the address printed beside it, for whoever cannot scan


def test_every_format_carries_the_address(in_process, held):
    url = public_url(in_process)
    document = docx.Document(io.BytesIO(render(held.workshop, "docx", lang="fr")))
    assert url in [p.text for p in document.paragraphs]
    assert document.inline_shapes[0].width > 0  # the QR code's picture
    book = openpyxl.load_workbook(io.BytesIO(render(held.workshop, "xlsx", lang="fr")))
    last = book.worksheets[-1]
    assert last["A2"].value == url and last["A2"].hyperlink.target == url and last._images
    assert json.loads(render(held.workshop, "json", lang="ar"))["public_url"] == url
    assert url in render(held.workshop, "md", lang="ar").decode()
    header, first = render(held.workshop, "csv", lang="ar").decode("utf-8-sig").splitlines()[:2]
    assert header.endswith(",public_url") and first.endswith(url)


def test_no_address_before_the_process_is_online(in_process, held, tmp_path):
    user = held.facilitator
    run(update_process, in_process, user, title=in_process.title, kind=in_process.kind, published=False)
    assert json.loads(render(held.workshop, "json", lang="ar"))["public_url"] is None
    assert qr_codes(render(held.workshop, "pdf", lang="ar"), tmp_path) == []
    assert "public_url" not in render(held.workshop, "csv", lang="ar").decode("utf-8-sig").splitlines()[0]
