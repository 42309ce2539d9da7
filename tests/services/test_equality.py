"""The equality report: who took part and whose contributions survived, small groups never shown."""

from datetime import date

from consult.extensions import db
from consult.services.consultation import consultation_step, draft_axes, open_consultation, post_comment
from consult.services.equality import equality_report, suppress
from consult.services.items import post_item
from consult.services.privacy import purge_workshop
from consult.services.processes import (
    attach_workshop,
    create_process,
    publish_workshop,
    record_adoption,
    update_process,
)
from consult.services.workshops import close_workshop
from tests.conftest import make_participant, make_workshop, run
from tests.reports.conftest import ait_amira


def published(workshop, user, *, publish: bool = True):
    """A published process holding the workshop, closed and (by default) published."""
    process = run(create_process, user, title="Programme de la commune ouverte", kind="open_commune")
    run(update_process, process, user, title=process.title, kind=process.kind, published=True)
    run(attach_workshop, process, workshop, user)
    run(close_workshop, workshop, user)
    if publish:
        run(publish_workshop, workshop, user)
    return process


def row(table, key):
    return next(r for r in table["rows"] if r["key"] == key)


def by_key(rows, key):
    return next(r for r in rows if r["key"] == key)


def test_contributions_retained_then_adopted_by_gender_and_category(app):
    held = ait_amira()
    process = published(held.workshop, held.facilitator)
    first, second = _recs(held)
    for rec, decision in ((first, "adopted"), (second, "not_adopted")):
        run(record_adoption, rec, held.facilitator, session_name="Session de mai", session_date=date(2024, 5, 6),
            decision=decision, reason="Budget" if decision == "not_adopted" else None)  # fmt: skip

    report = equality_report(process)

    women = by_key(report["survival"]["by_gender"], "female")
    men = by_key(report["survival"]["by_gender"], "male")
    # Women: 8 posts and the scribe's card for a woman; retained: waste, portal, radio; adopted: waste (recommendation 1).
    assert (women["people"], women["contributions"], women["retained"], women["adopted"]) == (5, 9, 3, 1)
    assert women["retained_share"] == round(3 / 9, 4) and women["adopted_share"] == round(1 / 9, 4)
    # Men: the duplicate merged into "waste" survives with it.
    assert (men["contributions"], men["retained"], men["adopted"]) == (5, 2, 2)
    # The hidden item is no contribution; Omar gave no gender and posted nothing.
    assert sum(r["contributions"] or 0 for r in report["survival"]["by_gender"]) == 14
    categories = report["survival"]["by_category"]
    # The council member and the private sector's one person each are counted in "other" (2 people): hidden, and
    # with it the smallest other category, or "other" would be the total's difference.
    assert by_key(categories, "other")["hidden"] and by_key(categories, "civil_society")["hidden"]
    citizen = by_key(categories, "citizen")
    assert not citizen["hidden"] and citizen["people"] == 4 and citizen["contributions"] == 4


def _recs(held):
    from consult.models import Recommendation

    recs = db.session.scalars(
        db.select(Recommendation).where(Recommendation.workshop_id == held.workshop.id).order_by(Recommendation.id)
    ).all()
    return recs[0], recs[1]


def small_room(facilitator, women: int, men: int = 3):
    workshop = make_workshop(facilitator)
    people = [
        make_participant(workshop, 0, gender="female", category="citizen", age_band="30_44")[0] for _ in range(women)
    ]
    people += [
        make_participant(workshop, 0, gender="male", category="citizen", age_band="30_44")[0] for _ in range(men)
    ]
    for n, who in enumerate(people):
        run(post_item, workshop, who, group_id=who.group_id, kind="problem", text=f"مشكل {n}", client_id=f"c{n}")
    return workshop


def test_two_women_are_folded_three_are_shown(app, facilitator):
    process = published(small_room(facilitator, women=2), facilitator)
    report = equality_report(process)
    table = report["by_category_gender"]
    assert table["total"]["female"] is None and row(table, "citizen")["female"] is None
    # The men's figure would give the women's away from the total: hidden as well.
    assert row(table, "citizen")["male"] is None
    assert report["participants"] == 5 and table["total"]["total"] == 5
    women = by_key(report["survival"]["by_gender"], "female")
    assert women["hidden"] and women["contributions"] is None and women["retained_share"] is None
    assert by_key(report["survival"]["by_gender"], "male")["hidden"]

    process = published(small_room(facilitator, women=3), facilitator)
    report = equality_report(process)
    table = report["by_category_gender"]
    assert (table["total"]["female"], table["total"]["male"]) == (3, 3) and not table["hidden"]
    women = by_key(report["survival"]["by_gender"], "female")
    assert (women["people"], women["contributions"], women["retained"], women["retained_share"]) == (3, 3, 0, 0.0)


def test_a_share_needs_three_contributions(app, facilitator):
    workshop = make_workshop(facilitator)
    people = [make_participant(workshop, 0, gender="female")[0] for _ in range(3)]
    for n, who in enumerate(people[:2]):
        run(post_item, workshop, who, group_id=who.group_id, kind="problem", text=f"مشكل {n}", client_id=f"c{n}")
    report = equality_report(published(workshop, facilitator))
    women = by_key(report["survival"]["by_gender"], "female")
    assert women["contributions"] == 2 and women["retained_share"] is None and women["adopted_share"] is None


def test_only_published_workshops_count(app, facilitator):
    process = published(small_room(facilitator, women=3), facilitator, publish=False)
    report = equality_report(process)
    assert report["workshops"] == [] and report["participants"] == 0
    assert equality_report(process, published_only=False)["participants"] == 6


def test_a_purged_workshop_keeps_its_figures_and_loses_its_authors(app):
    held = ait_amira()
    process = published(held.workshop, held.facilitator)
    before = equality_report(process)
    run(purge_workshop, held.workshop)
    after = equality_report(process)
    assert after["purged_workshops"] == 1 and after["workshops"][0]["purged"]
    assert after["participants"] == before["participants"] == 8
    assert after["by_category_gender"] == before["by_category_gender"]
    genders = after["survival"]["by_gender"]
    # Nobody is behind a contribution any more: all 14 count as "not given", retained ones included.
    assert by_key(genders, "not_given")["contributions"] == 14 and by_key(genders, "not_given")["retained"] == 5
    assert by_key(genders, "female")["contributions"] == 0
    # The age bands were kept without the gender.
    ages = after["by_age_gender"]
    assert ages["total"]["not_given"] == 8 and ages["total"]["female"] == 0


def test_suppress_hides_a_second_cell_where_a_total_gives_the_first_away():
    shown = suppress({"citizen": {"female": 1, "male": 5, "not_given": 0}, "civil_society": {"female": 4, "male": 4}},
                     ("citizen", "civil_society"))  # fmt: skip
    citizen = row(shown, "citizen")
    assert citizen["female"] is None and citizen["male"] is None and citizen["total"] == 6
    # And down the women's column: the civil society's 4 would give the citizens' woman away from the total.
    assert row(shown, "civil_society")["female"] is None or shown["total"]["female"] is None
    assert shown["total"]["total"] == 14


def test_who_commented_on_the_draft_joins_the_report_folded_like_the_hall(app, facilitator):
    process = published(small_room(facilitator, women=3), facilitator)
    assert equality_report(process)["online"] is None  # no consultation opened yet
    step = consultation_step(process)
    run(open_consultation, step, facilitator)
    axis = draft_axes(process)[0]
    voices = [("female", "civil_society")] * 4 + [("male", "council_member")] * 2 + [(None, None)]
    for n, (gender, category) in enumerate(voices):
        run(post_comment, step, text=f"رأي {n}", consent=True, axis=axis, gender=gender, category=category,
            browser=f"b{n}", client_id=f"c{n}")  # fmt: skip
    run(post_comment, step, text="Sur papier", consent=None, axis=axis, user=facilitator, source="paper",
        gender="female", category="civil_society")  # fmt: skip
    online = equality_report(process)["online"]
    assert online["comments"] == 8 and online["by_source"] == {"online": 7, "paper": 1}
    table = online["by_category_gender"]
    assert row(table, "civil_society")["female"] == 5
    # Two council members are folded into "other", and their men's cell hidden: 2 people must not be recognized.
    assert "council_member" not in [r["key"] for r in table["rows"]] and row(table, "other")["male"] is None
    assert table["hidden"]
