"""Merge suggestions: pairs of visible items of one kind that probably say the same thing, for whoever consolidates.

Matching is on text folded to one comparable form (normalize), scored with character-level fuzzy ratios
(rapidfuzz). Nothing is downloaded and nothing is merged here: the facilitator decides.

Arabizi scheme (Darija in Latin letters): inside a word that also holds Latin letters, 3 -> a, 7 -> h, 9 -> q,
5 -> kh, 8 -> gh, 6 -> t, 2 -> (nothing); so "l9adoura" reads "lqadoura". A number standing alone ("3 ans",
"4g" keeps its 4) is a number. For comparison across scripts, skeleton() writes Arabic letters and Latin letters
as the same Latin consonants and drops vowels (a, e, i, o, u, y, w and ا و ي ع ه at a word's end), so "الطريق"
and "tri9" both read "trq".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from rapidfuzz import fuzz, process
from sqlalchemy import select

from consult.extensions import db
from consult.models import Group, Item, Theme, Workshop
from consult.services.access import Actor, check_facilitator, require_moderator
from consult.services.errors import invalid, not_found
from consult.services.participants import find_group
from consult.services.text import as_id, get_by_id

# Measured on tests/data/merge_pairs.csv with bench/merge_suggestions.py: precision over 0.9 at the best recall.
THRESHOLD = 0.76
SKELETON_HANDICAP = 5
DIFFERENT_ASK_PENALTY = 10
WORD_MATCH = 80  # two words are one misspelt word from this ratio up
# Beyond this many pairs a screen is no help; the best ones come first.
MAX_PAIRS = 200

_ARABIC_FOLD = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ؤ": "و",
        "ئ": "ي",
        "ء": "",
        "ة": "ه",
        "ى": "ي",
        "ـ": "",  # tatweel
        "ک": "ك",
        "ی": "ي",
        "ڭ": "ك",
        "گ": "ك",
    }
)
_DIACRITICS = re.compile("[\u064b-\u0652\u0670\u0653-\u0655]")
# Arabic-Indic and Persian digits are numbers like any other.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_ARABIZI = str.maketrans({"3": "a", "7": "h", "9": "q", "5": "kh", "8": "gh", "6": "t", "2": ""})
_WORD = re.compile(r"[^\W_]+")
_LATIN_WORD = re.compile("[a-z0-9]+")
# An article glued to a word, alone or after a one-letter particle: ال, وال, فال, بال, كال, لل.
_ARTICLE = re.compile("^(?:[وفبك]?ال|لل)(?=..)")
_PARTICLE = re.compile("^[وفبل](?=...)")
_LATIN_PREFIX = re.compile("^(?:l(?=[^aeiouyl]..)|f(?=[^aeiouyrl]..))")

_NEGATIONS = frozenset({"ma", "ما"})
_NEGATION_END = re.compile("^((?:ma|ما|م).{2,})(?:ch|ش)$")
_STOP_ARABIC = (
    "في من علي الي عن مع هذا هذه ذلك التي الذي او ثم و ف ب ل د ديال ديالنا ديالهم ديالها دالت ال "
    "بزاف جدا ديما شي فيه فيها عند كل قد هو هي هم ان انه"
)
_STOP_FRENCH = (
    "le la les l d de des du un une et ou pour par au aux a en dans sur avec est sont ce ces cette cet qui que qu"
    " y il ils elle on nous notre nos leur leurs son sa ses tres"
)
_STOP_DARIJA_LATIN = "f fi fl fel dyal dial dyl diel taa w o b bzaf bzzaf bezzaf dima chi had hadi"
# Words that say nothing of the ask, as normalize() spells them.
STOPWORDS = frozenset(f"{_STOP_ARABIC} {_STOP_FRENCH} {_STOP_DARIJA_LATIN}".split())


@dataclass(frozen=True)
class Pair:
    """Two items that may say the same thing: merge merge_id into keep_id; score in 0..1."""

    keep_id: int
    merge_id: int
    score: float

    def as_dict(self) -> dict[str, int | float]:
        return {"keep_id": self.keep_id, "merge_id": self.merge_id, "score": self.score}


def _strip_marks(text: str) -> str:
    """Accents off Latin letters; Arabic diacritics off (hamza forms are folded before)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _latin_word(word: str) -> str:
    if word.isdigit():
        return word
    if any(c.isdigit() for c in word) and any(c.isalpha() for c in word):
        word = word.translate(_ARABIZI)
    # Darija glues "l" (the) and "f" (in) to a word: lmadrasa, fdouar; French words rarely start so.
    word = _LATIN_PREFIX.sub("", word)
    if len(word) > 3 and word[-1] in "sx":  # French plurals: poubelles, eaux
        word = word[:-1]
    return word


def _arabic_word(word: str) -> str:
    # A one-letter particle glued to a word (فدار, لتلاميذ) goes too; a word that starts with such a letter loses it
    # the same way wherever it is written, so it still matches itself.
    return _PARTICLE.sub("", _ARTICLE.sub("", word))


def normalize(text: str) -> str:
    """The words of text that carry its meaning, in one spelling per word, separated by single spaces."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_DIGITS)
    text = _DIACRITICS.sub("", text).translate(_ARABIC_FOLD)
    text = _strip_marks(text)
    words: list[str] = []
    negate = False
    for raw in _WORD.findall(text):
        word = _latin_word(raw) if _LATIN_WORD.fullmatch(raw) else _arabic_word(raw)
        if negate:
            word, negate = words.pop() + word, False
        elif raw in _NEGATIONS:  # as written: "الماء" loses its article and hamza but is no negation
            words.append(word)
            negate = True
            continue
        # Darija negation ma ... ch: "ma kayn", "makaynch" and "ما كاينش" all read "makayn" / "ماكاين".
        word = _NEGATION_END.sub(r"\1", word)
        if word and word not in STOPWORDS:
            words.append(word)
    return " ".join(words)


_TO_LATIN = str.maketrans(
    {
        "ب": "b",
        "ت": "t",
        "ث": "t",
        "ج": "j",
        "ح": "h",
        "خ": "kh",
        "د": "d",
        "ذ": "d",
        "ر": "r",
        "ز": "z",
        "س": "s",
        "ش": "ch",
        "ص": "s",
        "ض": "d",
        "ط": "t",
        "ظ": "d",
        "غ": "gh",
        "ف": "f",
        "ق": "q",
        "ك": "k",
        "ل": "l",
        "م": "m",
        "ن": "n",
        "ه": "h",
        "ڤ": "v",
        "پ": "p",
        "ا": "",
        "و": "",
        "ي": "",
        "ع": "",
    }
)
_VOWELS = re.compile("[aeiouyw]")


def skeleton(normalized: str) -> str:
    """normalize()'s words as Latin consonants, so that one word written in two scripts reads the same."""
    words = []
    for word in normalized.split():
        if word.endswith("ه"):  # ta marbuta (folded to ha) is a vowel at a word's end
            word = word[:-1]
        # q and k both write ق in Latin Darija (souk, souq): one letter, like the other sounds two alphabets share.
        word = _VOWELS.sub("", word.replace("sh", "ch").replace("ou", "u").translate(_TO_LATIN)).replace("q", "k")
        if len(word) > 2 and word[0] == "l":  # the article written with a vowel: la9adoura, el ma
            word = word[1:]
        if word:
            words.append(word)
    return " ".join(words)


def score(a: str, b: str) -> float:
    """How alike two texts are, 0..1 (1: the same words once normalized)."""
    na, nb = normalize(a), normalize(b)
    return round(max(_combined(na, nb, skeleton(na), skeleton(nb)), 0) / 100, 2)


def _combined(na: str, nb: str, sa: str, sb: str) -> float:
    """Order-free ratio and subset ratio averaged, on both forms (the skeleton a little lower: it is coarser)."""
    if not na or not nb:
        return 0.0
    ordered = max(fuzz.token_sort_ratio(na, nb), fuzz.token_sort_ratio(sa, sb) - SKELETON_HANDICAP)
    subset = max(fuzz.token_set_ratio(na, nb), fuzz.token_set_ratio(sa, sb) - SKELETON_HANDICAP)
    value = (ordered + subset) / 2
    # "Wifi at the youth centre" and "wifi at the school": each says a word the other lacks, a different ask.
    if _each_says_more(na.split(), nb.split()) and _each_says_more(sa.split(), sb.split()):
        value -= DIFFERENT_ASK_PENALTY
    return value


def _each_says_more(a: list[str], b: list[str]) -> bool:
    def lacks(words: list[str], other: list[str]) -> bool:
        return any(all(fuzz.ratio(w, v) < WORD_MATCH for v in other) for w in words)

    return lacks(a, b) and lacks(b, a)


def pairs_of(texts: list[tuple[int, str]], threshold: float = THRESHOLD) -> list[Pair]:
    """Pairs among (id, text), best first, at most MAX_PAIRS.

    The older item (lower id) is the one kept: the room has seen it longest and may have answered it, and a merge
    carries the other's dots over anyway.
    """
    ordered = sorted(texts)
    ids = [i for i, _t in ordered]
    norms = [normalize(t) for _i, t in ordered]
    skels = [skeleton(n) for n in norms]
    cutoff = threshold * 100
    found: list[Pair] = []
    for i in range(len(ordered)):
        if not norms[i]:
            continue
        # A cheap pass in C: the combined score never exceeds the better subset ratio of the two forms.
        near = {
            j
            for _c, _s, j in process.extract(
                norms[i], norms[i + 1 :], scorer=fuzz.token_set_ratio, score_cutoff=cutoff, limit=None
            )
        }
        near.update(
            j
            for _c, _s, j in process.extract(
                skels[i],
                skels[i + 1 :],
                scorer=fuzz.token_set_ratio,
                score_cutoff=cutoff + SKELETON_HANDICAP,
                limit=None,
            )
        )
        for j in near:
            k = i + 1 + j
            value = _combined(norms[i], norms[k], skels[i], skels[k])
            if value >= cutoff:
                found.append(Pair(keep_id=ids[i], merge_id=ids[k], score=round(value / 100, 2)))
    found.sort(key=lambda p: (-p.score, p.keep_id, p.merge_id))
    return found[:MAX_PAIRS]


def _scope(workshop: Workshop, theme_id: object, group_id: object) -> tuple[Theme | None, Group | None]:
    group = find_group(workshop, group_id) if group_id is not None else None
    theme = None
    if theme_id is not None:
        number = as_id(theme_id)
        theme = get_by_id(Theme, number) if number is not None else None
        if theme is None or theme.workshop_id != workshop.id:
            raise not_found(_l("This axis does not exist in this workshop."))
        if group is not None and group.theme_id != theme.id:
            raise invalid(_l("This group is not in this axis."), "group_id")
    return theme, group


def suggest_merges(workshop: Workshop, actor: Actor, *, theme_id: object = None, group_id: object = None) -> list[Pair]:
    """Pairs of visible items of the same kind in a group, an axis or the whole workshop, best first.

    For the facilitators; a rapporteur only within their own group. Reads only: no event, nothing to commit.
    """
    if actor.user is not None:
        check_facilitator(workshop, actor.user)  # before the scope is read: a stranger learns nothing of it
    theme, group = _scope(workshop, theme_id, group_id)
    require_moderator(workshop, actor, *([group] if group is not None else []))
    query = select(Item.id, Item.kind, Item.text).where(Item.workshop_id == workshop.id, Item.status == "visible")
    if group is not None:
        query = query.where(Item.group_id == group.id)
    elif theme is not None:
        query = query.join(Group, Group.id == Item.group_id).where(Group.theme_id == theme.id)
    by_kind: dict[str, list[tuple[int, str]]] = {}
    for item_id, kind, text in db.session.execute(query):
        by_kind.setdefault(kind, []).append((item_id, text))
    found = [pair for texts in by_kind.values() for pair in pairs_of(texts)]
    found.sort(key=lambda p: (-p.score, p.keep_id, p.merge_id))
    return found[:MAX_PAIRS]
