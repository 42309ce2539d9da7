"""Merge suggestions: text normalization, who may ask, what is compared, and precision and recall on a labelled set."""

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select

from consult.extensions import db
from consult.models import Group, WorkshopEvent
from consult.services import ServiceError, unit_of_work
from consult.services.access import Actor
from consult.services.items import post_item
from consult.services.moderation import hide_item, set_rapporteur
from consult.services.participants import choose_group
from consult.services.suggestions import THRESHOLD, normalize, score, skeleton, suggest_merges
from tests.conftest import make_facilitator, make_participant, make_workshop

PAIRS = Path(__file__).resolve().parent.parent / "data" / "merge_pairs.csv"


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("أمن إسعاف آبار ٱلطريق", "امن اسعاف ابار طريق"),  # hamza forms of alef, and the article
        ("الماء الضوء", "ما ضو"),  # a lone hamza: people write it or not
        ("مسؤول رئيس", "مسوول رييس"),  # hamza on waw and on ya
        ("مدرسة", "مدرسه"),  # ta marbuta
        ("مستشفى", "مستشفي"),  # alef maqsura
        ("الطريـــق", "طريق"),  # tatweel
        ("النَّفَايَاتُ", "نفايات"),  # harakat
        ("الدوار فالدوار بالدوار والدوار للدوار", "دوار دوار دوار دوار دوار"),  # article after a particle
        ("فمكتب لتلاميذ", "مكتب تلاميذ"),  # a particle glued to a word
        ("غياب الماء في الدوار مع الحاويات", "غياب ما دوار حاويات"),  # particles and stopwords
        ("ماكاينش ما كاينش", "ماكاين ماكاين"),  # darija negation, glued or not
    ],
)
def test_arabic_is_read_in_one_spelling(written, read):
    assert normalize(written) == read


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("l9adoura", "qadoura"),  # 9 is ق, and "l" glued is the article
        ("lqadoura", "qadoura"),
        ("m7fra d3ifa", "mhfra daifa"),  # 7 is ح, 3 is ع
        ("5ayb", "khayb"),
        ("makaynch lma f douar", "makayn lma douar"),
        ("ma kayn lma fdouar", "makayn lma douar"),
        ("3 années", "3 annee"),  # a number alone stays a number
        ("réseau 4G", "reseau 4g"),  # 4 is no Arabizi letter
    ],
)
def test_darija_in_latin_letters_is_read_in_one_spelling(written, read):
    assert normalize(written) == read


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("Éclairage PUBLIC", "eclairage public"),  # case and accents
        ("les poubelles et les eaux", "poubelle eau"),  # plurals and stopwords
        ("la décharge à côté de l'école", "decharge cote ecole"),  # elision
        ("pour les jeunes du douar", "jeune douar"),
    ],
)
def test_french_is_read_in_one_spelling(written, read):
    assert normalize(written) == read


def test_one_word_in_two_scripts_has_one_skeleton():
    assert skeleton(normalize("الطريق محفرة")) == skeleton(normalize("tri9 m7fra"))
    assert skeleton(normalize("الزبل فالدوار")) == skeleton(normalize("zbel f douar"))
    assert score("la9adoura msdouda", "l9adoura msdouda") >= THRESHOLD


def test_scores_rank_a_duplicate_above_a_near_miss():
    same = score("wifi gratuit f dar chabab", "wifi gratuit à dar chabab")
    near = score("wifi f dar chabab", "wifi f lmadrasa")
    assert same >= THRESHOLD > near
    assert score("", "الماء") == 0


def test_precision_and_recall_on_the_labelled_set():
    with PAIRS.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    same = [r for r in rows if r["same"] == "1"]
    assert len(rows) >= 150 and len(rows) - len(same) >= len(rows) / 3
    suggested = [r for r in rows if score(r["a"], r["b"]) >= THRESHOLD]
    tp = sum(r["same"] == "1" for r in suggested)
    precision, recall = tp / len(suggested), tp / len(same)
    print(f"\nmerge suggestions at {THRESHOLD}: precision {precision:.3f}, recall {recall:.3f}, {len(rows)} pairs")
    # Measured 0.921 and 0.809 (bench/merge_suggestions.py); the floors sit a little under.
    assert precision >= 0.9
    assert recall >= 0.78


def post(workshop, participant, text, kind="problem", group=None):
    with unit_of_work():
        item, _ = post_item(
            workshop,
            participant,
            group_id=(group or participant.group).id,
            kind=kind,
            text=text,
            client_id=f"{kind}-{text}",
        )
    return item


def suggest(workshop, actor, **scope):
    return [(p.keep_id, p.merge_id) for p in suggest_merges(workshop, actor, **scope)]


@pytest.fixture
def board(workshop, facilitator):
    """Two phones at the first table, with duplicates, a near-miss, a solution that repeats a problem, a hidden one."""
    alice, _ = make_participant(workshop, 0)
    bob, _ = make_participant(workshop, 0)
    bins = post(workshop, alice, "ماكاينش حاويات ديال الزبل فالسوق")
    bins_again = post(workshop, bob, "ما كاينينش الحاويات د الزبل ف السوق")
    wifi = post(workshop, alice, "wifi gratuit f dar chabab")
    wifi_again = post(workshop, bob, "Wifi gratuit à dar chabab")
    post(workshop, bob, "wifi gratuit f lmadrasa")
    post(workshop, alice, "wifi gratuit f dar chabab", kind="solution", group=alice.group)
    hidden = post(workshop, bob, "wifi gratuit a dar chabab!!")
    with unit_of_work():
        hide_item(workshop, Actor(user=facilitator), hidden.id)
    ids = {"bins": (bins.id, bins_again.id), "wifi": (wifi.id, wifi_again.id), "hidden": hidden.id}
    return workshop, alice, bob, ids


def test_the_facilitator_gets_duplicates_of_one_kind_best_first_keeping_the_older(board, facilitator):
    workshop, alice, bob, ids = board
    events = db.session.scalar(select(func.count(WorkshopEvent.id)))
    pairs = suggest_merges(workshop, Actor(user=facilitator))
    assert [(p.keep_id, p.merge_id) for p in pairs] == [ids["wifi"], ids["bins"]]
    assert pairs[0].score >= pairs[1].score >= THRESHOLD and all(0 < p.score <= 1 for p in pairs)
    assert all(ids["hidden"] not in (p.keep_id, p.merge_id) for p in pairs)
    assert db.session.scalar(select(func.count(WorkshopEvent.id))) == events  # reads only
    group = alice.group
    assert suggest(workshop, Actor(user=facilitator), group_id=group.id) == [ids["wifi"], ids["bins"]]
    assert suggest(workshop, Actor(user=facilitator), theme_id=group.theme_id) == [ids["wifi"], ids["bins"]]
    other_theme = workshop.groups[1].theme_id
    assert suggest(workshop, Actor(user=facilitator), theme_id=other_theme) == []


def test_a_theme_gathers_its_tables(workshop, facilitator):
    first = workshop.groups[0]
    with unit_of_work():
        second = Group(workshop=workshop, theme=first.theme, position=9)
        db.session.add(second)
    alice, _ = make_participant(workshop, 0)
    bob, _ = make_participant(workshop, None)
    with unit_of_work():
        choose_group(bob, second.id)
    a = post(workshop, alice, "coupures d'eau fréquentes")
    b = post(workshop, bob, "coupure de l'eau frequente", group=second)
    actor = Actor(user=facilitator)
    assert suggest(workshop, actor, theme_id=first.theme_id) == [(a.id, b.id)]
    assert suggest(workshop, actor, group_id=first.id) == []
    with pytest.raises(ServiceError) as caught:
        suggest_merges(workshop, actor, theme_id=workshop.groups[1].theme_id, group_id=first.id)
    assert caught.value.code == "invalid"
    assert refused(workshop, actor, theme_id="x") == "not_found"


def refused(workshop, actor, **scope):
    with pytest.raises(ServiceError) as caught:
        suggest_merges(workshop, actor, **scope)
    return caught.value.code


def test_a_rapporteur_gets_suggestions_for_their_own_table_only(board, facilitator):
    workshop, alice, bob, ids = board
    with unit_of_work():
        set_rapporteur(workshop, Actor(user=facilitator), alice.group_id, alice.id)
    group = alice.group
    assert suggest(workshop, Actor(participant=alice), group_id=group.id) == [ids["wifi"], ids["bins"]]
    assert refused(workshop, Actor(participant=alice), group_id=workshop.groups[1].id) == "forbidden"
    assert refused(workshop, Actor(participant=alice), theme_id=group.theme_id) == "forbidden"
    assert refused(workshop, Actor(participant=alice)) == "forbidden"
    assert refused(workshop, Actor(participant=bob), group_id=group.id) == "forbidden"


def test_others_are_refused(board):
    workshop, alice, bob, ids = board
    stranger = make_facilitator()
    make_workshop(stranger, title="ورشتهم")
    assert refused(workshop, Actor(user=stranger)) == "forbidden"
    assert refused(workshop, Actor(user=stranger), group_id=alice.group_id) == "forbidden"
    assert refused(workshop, Actor(participant=alice), group_id=alice.group_id) == "forbidden"
    staff = make_facilitator(workshop.commune, role="staff")
    assert refused(workshop, Actor(user=staff)) == "forbidden"
