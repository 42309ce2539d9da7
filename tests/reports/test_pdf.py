"""The PDF report read back as a reader gets it: word by word in two extractors, in order on the page, laid out for
print."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import docx
import pypdf
import pytest

from consult.reports.export import render
from consult.reports.outcome import build_outcome
from consult.reports.pdf import write_pdf
from consult.services.access import Actor
from consult.services.items import scribe_post
from consult.services.outcome import FOLD_BELOW
from consult.services.phases import set_phase
from tests.conftest import make_workshop
from tests.reports.conftest import COMMUNE_AR, FACILITATOR, ITEMS, RECOMMENDATIONS, TITLE, run

TEXTS = {key: text for key, _, _, _, text in ITEMS}
# Invisible direction marks: pdftotext wraps right-to-left runs in them, LRI…PDI islands travel with the text. They
# stand between words, never inside one: read as a space, they can only split, never join.
MARKS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def words(text: str) -> str:
    """The text as a reader copies it: direction marks as spaces, every run of whitespace one space, none removed."""
    return " " + " ".join(MARKS.sub(" ", text).split()) + " "


def has_words(text: str, phrase: str) -> bool:
    return words(phrase) in text


def pdftotext(data: bytes, tmp_path) -> list[str]:
    """Each page as poppler's pdftotext extracts it, in words."""
    if shutil.which("pdftotext") is None:
        pytest.skip("reading PDFs back needs pdftotext (apt-get install -y poppler-utils; CI installs it)")
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return [words(page) for page in out.split("\f") if page.strip()]


def pypdf_text(data: bytes) -> list[str]:
    return [words(page.extract_text()) for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def fragments(data: bytes, page: int) -> list[tuple[float, float, str]]:
    """(x, y, text) of every piece of text drawn on a page, from the text matrix (pypdf's visitor)."""
    found: list[tuple[float, float, str]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            found.append((tm[4], tm[5], text))

    pypdf.PdfReader(io.BytesIO(data)).pages[page].extract_text(visitor_text=visit)
    return found


@pytest.mark.parametrize("extract", ["pdftotext", "pypdf"])
def test_arabic_reads_back_word_by_word(held, tmp_path, extract):
    data = render(held.workshop, "pdf", lang="ar", public=True)
    pages = pdftotext(data, tmp_path) if extract == "pdftotext" else pypdf_text(data)
    text = "".join(pages)
    for phrase in (
        COMMUNE_AR,
        TITLE,
        "النفايات",
        TEXTS["waste"],
        TEXTS["bins"],
        RECOMMENDATIONS[0]["title"],
        "بوابة إلكترونية",  # a title wrapped in its table cell
        "من اختصاص",  # a decision wrapped in its table cell
        "محضر الورشة",
        "التوقيعات",
        FACILITATOR,
    ):
        assert has_words(text, phrase), phrase
    assert not re.search("[\ufb50-\ufdff\ufe70-\ufefe]", text)  # no presentation forms: searchable as typed
    assert "Amina" not in text and "كلام غير لائق" not in text


def test_french_bilingual_and_tamazight_labels_read_back_as_words(held, tmp_path):
    workshop = held.workshop
    for lang, phrases in (
        ("fr", ["Compte rendu de l’atelier", "Recommandations", TEXTS["waste"]]),
        ("ar+fr", ["محضر الورشة", "Compte rendu de l’atelier", "التوصيات", "Recommandations"]),
    ):
        data = render(workshop, "pdf", lang=lang)
        for text in ("".join(pdftotext(data, tmp_path)), "".join(pypdf_text(data))):
            for phrase in phrases:
                assert has_words(text, phrase), (lang, phrase)
    data = render(workshop, "pdf", lang="zgh")
    label = build_outcome(workshop, lang="zgh")["labels"]["recommendations"]
    # pdftotext (poppler 22) reverses a line of Tifinagh alone on a page that also holds Arabic: pypdf for the label.
    assert has_words("".join(pypdf_text(data)), label)
    for text in ("".join(pdftotext(data, tmp_path)), "".join(pypdf_text(data))):
        assert has_words(text, "انقطاع الماء الصالح للشرب")


def test_a_mixed_arabic_and_french_item_reads_right_to_left_in_a_french_report(held):
    data = render(held.workshop, "pdf", lang="fr")
    for page in range(len(pypdf.PdfReader(io.BytesIO(data)).pages)):
        drawn = fragments(data, page)
        twelve = [(x, y) for x, y, t in drawn if re.search(r"(?<!\d)12(?!\d)", t) and "tri" not in t]
        tri = [(x, y) for x, y, t in drawn if "tri" in t.split() or t.strip().startswith("tri")]
        same_line = [(a, b) for a in twelve for b in tri if abs(a[1] - b[1]) < 1]
        if same_line:
            break
    else:
        pytest.fail("the item's “12” and “tri” are never on one line")
    (x12, _), (xtri, _) = same_line[0]
    # Right to left: the paragraph starts on the right, so "12", typed before "tri", stands to its right.
    assert x12 > xtri


def test_law_09_08_keeps_its_digits_in_order_in_arabic(held, tmp_path):
    data = render(held.workshop, "pdf", lang="ar")
    assert has_words("".join(pdftotext(data, tmp_path)), TEXTS["law"])
    # pypdf reads the line around the left-to-right island in pieces: each piece in words.
    for piece in ("لا أحد يشرح لنا القانون", "09-08", "وحقوقنا في المعطيات"):
        assert has_words("".join(pypdf_text(data)), piece)
    page = next(n for n, text in enumerate(pypdf_text(data)) if "09" in text)
    drawn = fragments(data, page)
    first = [x for x, _, t in drawn if "09" in t]
    second = [x for x, _, t in drawn if "08" in t]
    # One left-to-right island ("09-08" drawn as one piece) or, when split, 09 to the left of 08.
    assert any("09-08" in t for _, _, t in drawn) or min(first) < min(second)


def test_the_signature_table_is_never_split_across_pages(held, tmp_path):
    """Longer and longer recommendation texts push the signatures down the page, across the page break."""
    outcome = build_outcome(held.workshop, lang="fr")
    labels = outcome["labels"]
    for lines in range(0, 48, 3):
        outcome["recommendations"][0]["body"] = "\n".join(["Une ligne de plus."] * (lines + 1))
        pages = pdftotext(write_pdf(outcome), tmp_path)
        [signed] = [n for n, page in enumerate(pages) if has_words(page, labels["signatures"])]
        page = pages[signed]
        for phrase in (labels["sign_facilitator"], labels["sign_rapporteurs"], labels["sign_commune"], FACILITATOR):
            assert has_words(page, phrase), (lines, phrase)
        # Nothing comes after the signatures: their empty boxes end the page they start on.
        assert signed == len(pages) - 1, f"{lines} extra lines: the signature boxes ran onto page {signed + 2}"


def test_column_headers_keep_their_words_whole(held, tmp_path):
    for lang, header in (("ar", "الأولوية"), ("fr", "Priorité"), ("ar", "التقديرية"), ("ar", "المسؤولة")):
        data = render(held.workshop, "pdf", lang=lang)
        assert has_words("".join(pdftotext(data, tmp_path)), header), (lang, header)
        # pypdf runs neighbouring header cells together; the word itself is still whole.
        assert header in "".join(pypdf_text(data)), (lang, header)


def test_vote_labels_are_cut_between_words_with_an_ellipsis(held, tmp_path):
    text = "".join(pdftotext(render(held.workshop, "pdf", lang="ar"), tmp_path))
    water = TEXTS["water"]
    cut = re.search(r" (انقطاع[^…]*?) ?…", text)
    assert cut, "the long vote label is not cut with an ellipsis"
    shown = cut.group(1)
    assert water.startswith(shown) and water[len(shown)] == " "  # the cut falls between two words


def test_the_report_says_why_small_groups_are_folded(held, tmp_path):
    outcome = build_outcome(held.workshop, lang="fr", public=True)
    assert outcome["attendance"]["folded"] is True
    text = "".join(pdftotext(render(held.workshop, "pdf", lang="fr"), tmp_path))
    assert has_words(text, outcome["labels"]["folded"] % {"count": FOLD_BELOW})
    assert build_outcome(held.workshop, lang="fr", public=False)["attendance"]["folded"] is False


def test_a_long_table_repeats_its_header_on_every_page(held, tmp_path):
    workshop, me = held.workshop, Actor(user=held.facilitator)
    run(set_phase, workshop, me, "problems")
    for n in range(120):
        run(scribe_post, workshop, me, group_id=workshop.groups[0].id, kind="problem",
            text=f"مشكلة رقم {n} في الحي", client_id=f"long{n}")  # fmt: skip
    pages = pdftotext(render(workshop, "pdf", lang="ar"), tmp_path)
    with_header = [p for p in pages if has_words(p, "الأصوات") and has_words(p, "القرار")]
    assert len(pages) >= 4 and len(with_header) >= 3
    assert all(has_words("".join(pages), f"مشكلة رقم {n} في الحي") for n in (0, 59, 119))


def test_a_report_without_recommendations_says_so_in_its_language(facilitator, tmp_path):
    workshop = make_workshop(facilitator)
    pages = pdftotext(render(workshop, "pdf", lang="fr"), tmp_path)
    assert has_words(pages[-1], "Aucune recommandation pour l’instant."), pages[-1]
    document = docx.Document(io.BytesIO(render(workshop, "docx", lang="ar")))
    assert "لا توجد توصية بعد." in [p.text for p in document.paragraphs]
