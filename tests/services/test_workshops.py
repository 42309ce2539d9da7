import pytest
from flask_babel import force_locale
from sqlalchemy import select

from consult.extensions import db
from consult.models import WorkshopEvent
from consult.services import ServiceError, unit_of_work
from consult.services.items import post_item
from consult.services.workshops import (
    CODE_ALPHABET,
    close_workshop,
    create_workshop,
    find_workshop,
    open_workshop,
    set_axes,
    update_settings,
    update_workshop,
)
from tests.conftest import make_facilitator, make_participant, make_workshop


def test_new_workshop_has_the_ait_amira_axes_and_principles_in_its_language(facilitator):
    with unit_of_work():
        workshop = create_workshop(facilitator, title="Atelier", language="fr")
    assert workshop.status == "draft"
    assert [t.key for t in workshop.themes] == ["environment", "communication", "digitalization"]
    assert len(workshop.groups) == 3 and [g.theme for g in workshop.groups] == workshop.themes
    with force_locale("fr"):
        from consult.services.workshops import default_axes

        assert [t.name for t in workshop.themes] == default_axes("fr")[0]
    assert len(workshop.principles) == 3


def test_codes_are_six_unambiguous_characters_and_found_however_typed(facilitator):
    codes = {make_workshop(facilitator).code for _ in range(5)}
    assert len(codes) == 5
    for code in codes:
        assert len(code) == 6 and set(code) <= set(CODE_ALPHABET)
        assert not set(code) & set("0O1IL")
    code = codes.pop()
    assert find_workshop(f" {code[:3].lower()}-{code[3:]} ").code == code


def test_axes_can_be_renamed_added_and_removed(workshop, facilitator):
    with unit_of_work():
        set_axes(workshop, facilitator, ["البيئة والنظافة", "التواصل", "الرقمنة", "الشباب"])
    assert [t.name for t in workshop.themes] == ["البيئة والنظافة", "التواصل", "الرقمنة", "الشباب"]
    assert len(workshop.groups) == 4
    with unit_of_work():
        set_axes(workshop, facilitator, ["البيئة والنظافة"])
    assert [t.name for t in workshop.themes] == ["البيئة والنظافة"] and len(workshop.groups) == 1


def test_an_axis_with_items_cannot_be_removed(workshop, facilitator):
    participant, _ = make_participant(workshop, 2)
    with unit_of_work():
        post_item(workshop, participant, group_id=participant.group_id, kind="problem", text="نص", client_id="a")
    with pytest.raises(ServiceError) as refused, unit_of_work():
        set_axes(workshop, facilitator, ["واحد"])
    assert refused.value.field == "axes"
    db.session.refresh(workshop)
    assert len(workshop.themes) == 3


def test_a_workshop_needs_an_axis(workshop, facilitator):
    with pytest.raises(ServiceError):
        set_axes(workshop, facilitator, ["  ", ""])


def test_facilitators_act_only_on_their_communes_workshops(workshop):
    stranger = make_facilitator()
    for action in (open_workshop, close_workshop):
        with pytest.raises(ServiceError) as refused:
            action(workshop, stranger)
        assert refused.value.code == "forbidden"
    with pytest.raises(ServiceError):
        set_axes(workshop, stranger, ["x"])


def test_staff_cannot_create_workshops(app):
    staff = make_facilitator(role="staff")
    with pytest.raises(ServiceError) as refused:
        create_workshop(staff, title="x")
    assert refused.value.code == "forbidden"


def test_opening_and_closing_are_events(facilitator):
    workshop = make_workshop(facilitator, status="draft")
    with unit_of_work():
        open_workshop(workshop, facilitator)
    with unit_of_work():
        close_workshop(workshop, facilitator)
    types = db.session.scalars(select(WorkshopEvent.type).order_by(WorkshopEvent.seq)).all()
    assert types == ["workshop.opened", "workshop.closed"]
    assert workshop.status == "closed" and workshop.closed_at is not None


def save(workshop, user, **changes):
    """The workshop form saved as the facilitator's page saves it: one call, settings included."""
    form = {
        "title": workshop.title,
        "workshop_date": workshop.date,
        "venue": workshop.venue,
        "language": workshop.language,
        "axes": [t.name for t in workshop.themes],
        "principles": list(workshop.principles),
        "settings": {"votes_per_participant": workshop.setting("votes_per_participant"), "hide_votes": False},
    }
    form.update(changes)
    with unit_of_work():
        update_workshop(workshop, user, **form)


def updates(workshop) -> list[WorkshopEvent]:
    return db.session.scalars(
        select(WorkshopEvent).where(WorkshopEvent.workshop_id == workshop.id, WorkshopEvent.type == "workshop.updated")
    ).all()


def test_saving_an_open_workshop_tells_the_screens_once_and_only_when_something_changed(workshop, facilitator):
    save(workshop, facilitator)
    assert updates(workshop) == []
    save(workshop, facilitator, title="ورشة التواصل", settings={"votes_per_participant": 5, "hide_votes": True})
    [event] = updates(workshop)
    assert event.payload["title"] == "ورشة التواصل"
    assert event.payload["settings"]["votes_per_participant"] == 5 and event.payload["settings"]["hide_votes"] is True
    with unit_of_work():
        update_settings(workshop, facilitator, votes_per_participant=5)
    assert len(updates(workshop)) == 1


def test_a_closed_workshop_takes_no_change(workshop, facilitator):
    with unit_of_work():
        close_workshop(workshop, facilitator)
    with pytest.raises(ServiceError) as caught:
        save(workshop, facilitator, title="عنوان جديد")
    assert caught.value.code == "closed"
    with pytest.raises(ServiceError) as caught, unit_of_work():
        update_settings(workshop, facilitator, votes_per_participant=5)
    assert caught.value.code == "closed"
    db.session.refresh(workshop)
    assert workshop.title != "عنوان جديد" and workshop.setting("votes_per_participant") == 3


def test_built_in_axes_are_named_in_every_language_and_a_facilitators_own_in_those_given(workshop, facilitator):
    from consult.payloads import group_payload

    environment = workshop.themes[0]
    assert workshop.language == "ar" and environment.name == "البيئة"
    assert environment.name_in("fr") == "Environnement"
    assert environment.name_in("zgh") == "ⵜⴰⵡⵏⵏⴰⴹⵜ"
    with force_locale("fr"):
        payload = group_payload(workshop.groups[0])
    assert payload["name"] == "Environnement" and payload["theme"]["names"]["ar"] == "البيئة"

    axes = ["الماء", "الطرق", "التواصل"]
    save(workshop, facilitator, axes=axes, axis_names={"fr": ["Eau", "", "Communication"], "ar": ["ignored"]})
    water, roads, talk = workshop.themes
    assert (water.name, water.names) == ("الماء", {"fr": "Eau"})  # the workshop's own language stays Theme.name
    assert roads.name_in("fr") == "الطرق" and roads.names == {}  # none given: the workshop's name
    assert water.name_in("zgh") == "الماء"
    assert talk.key is None and talk.name_in("fr") == "Communication"
    [event] = updates(workshop)  # the screens in every language learn the names at once
    assert event.payload["groups"][0]["theme"]["names"] == {"ar": "الماء", "fr": "Eau", "zgh": "الماء", "en": "الماء"}

    # Saved again without the French lines (another door, an older form): the French names stay.
    save(workshop, facilitator, axes=axes, axis_names={"zgh": ["ⴰⵎⴰⵏ"]})
    assert water.names == {"fr": "Eau", "zgh": "ⴰⵎⴰⵏ"}
    # A workshop moved to French: its French name is Theme.name now, not a second one.
    save(workshop, facilitator, language="fr", axes=["Eau", "Routes", "Communication"], axis_names={"ar": ["الماء"]})
    assert workshop.themes[0].names == {"zgh": "ⴰⵎⴰⵏ", "ar": "الماء"}
    assert workshop.themes[0].name_in("ar") == "الماء" and workshop.themes[0].name_in("fr") == "Eau"


def test_a_too_long_name_in_another_language_is_refused(workshop, facilitator):
    with pytest.raises(ServiceError) as caught:
        save(workshop, facilitator, axis_names={"fr": ["x" * 121]})
    assert caught.value.code == "invalid" and caught.value.field == "axes_fr"


def test_saving_fewer_axes_tells_the_screens_of_the_groups_left(workshop, facilitator):
    save(workshop, facilitator, axes=["البيئة"])
    [event] = updates(workshop)
    assert [g["name"] for g in event.payload["groups"]] == ["البيئة"]
    assert [t.name for t in workshop.themes] == ["البيئة"] and len(workshop.groups) == 1
