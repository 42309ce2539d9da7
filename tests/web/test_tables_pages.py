"""Tables without JavaScript: the facilitator's form sets them, a phone picks an axis and is seated, its room lists its
table first, then its axis, then the other axes; the board shows each axis's tables."""

import re

from consult.extensions import db
from consult.models import Participant, User
from consult.services import unit_of_work
from consult.services.workshops import update_settings
from tests.conftest import make_participant


def form(workshop, **fields) -> dict:
    return {
        "title": workshop.title,
        "language": "ar",
        "axes": "\n".join(t.name for t in workshop.themes),
        "principles": "\n".join(workshop.principles),
        "votes_per_participant": "3",
        "together": "y",
        **fields,
    }


def test_the_workshop_form_sets_the_tables_and_says_why_it_refuses(client, auth, workshop):
    user = db.session.get(User, workshop.created_by_id)
    auth.login(user)
    page = client.get(f"/facilitate/{workshop.code}").get_data(as_text=True)
    assert 'name="tables_per_axis"' in page and 'name="table_size"' in page
    saved = client.post(f"/facilitate/{workshop.code}", data=form(workshop, tables_per_axis="3", table_size="10"))
    assert saved.status_code == 302
    db.session.refresh(workshop)
    assert (workshop.setting("tables_per_axis"), workshop.setting("table_size")) == (3, 10)
    assert [len(t.groups) for t in workshop.themes] == [3, 3, 3]
    page = client.get(f"/facilitate/{workshop.code}").get_data(as_text=True)
    assert re.search(r'name="tables_per_axis"[^>]*value="3"', page)
    # Somebody at a third table: it cannot go, and the form says so in place.
    make_participant(workshop, 2)
    refused = client.post(f"/facilitate/{workshop.code}", data=form(workshop, tables_per_axis="2", table_size="10"))
    assert refused.status_code == 200
    said = re.search(
        r'has-error">\s*<label for="tables_per_axis".*?field-error" role="alert">([^<]+)<', refused.text, re.S
    )
    assert said and workshop.themes[0].groups[2].name_in("ar") in said.group(1)  # which table, in the page's words
    db.session.expire_all()
    assert [len(t.groups) for t in workshop.themes] == [3, 3, 3]
    bad = client.post(f"/facilitate/{workshop.code}", data=form(workshop, tables_per_axis="1", table_size="1"))
    assert bad.status_code == 200 and re.search(r'has-error">\s*<label for="table_size"', bad.text)
    db.session.expire_all()
    assert workshop.setting("table_size") == 10


def test_a_phone_picks_an_axis_and_sees_its_table_first(client, facilitator, workshop):
    with unit_of_work():
        update_settings(workshop, facilitator, tables_per_axis=2)
    make_participant(workshop, 2)  # somebody at the first table of the second axis
    client.post(f"/j/{workshop.code}", data={"consent": "y"})
    room = client.get(f"/w/{workshop.code}").get_data(as_text=True)
    # One button per axis, not per table.
    assert room.count('name="theme_id"') == 3 and 'name="group_id"' not in room
    second_axis = workshop.themes[1]
    picked = client.post(f"/w/{workshop.code}/axis", data={"theme_id": second_axis.id})
    assert picked.status_code == 302
    me = db.session.scalars(db.select(Participant).order_by(Participant.id.desc())).first()
    assert me.group_id == second_axis.groups[1].id  # the least-full table of that axis
    room = client.get(f"/w/{workshop.code}").get_data(as_text=True)
    tabs = [int(g) for g in re.findall(r'class="tab[^"]*"[^>]*data-group="(\d+)"', room)]
    mine, same_axis = second_axis.groups[1].id, second_axis.groups[0].id
    others = [g.id for g in workshop.groups if g.theme_id != second_axis.id]
    assert tabs == [mine, same_axis, *others]
    # Asking for another axis by a bad id is refused in words, and changes nothing.
    refused = client.post(f"/w/{workshop.code}/axis", data={"theme_id": "999999"}, follow_redirects=True)
    assert "flash-error" in refused.get_data(as_text=True)
    db.session.refresh(me)
    assert me.group_id == mine


def test_the_board_has_a_block_per_axis_and_a_column_per_table(client, auth, facilitator, workshop):
    with unit_of_work():
        update_settings(workshop, facilitator, tables_per_axis=2)
    auth.login(facilitator)
    board = client.get(f"/w/{workshop.code}/board").get_data(as_text=True)
    assert board.count('class="axis axis-several"') == 3
    assert len(re.findall(r'class="column" data-group="\d+"', board)) == 6
    assert board.count("column-plenary") == 3
    assert "--table-columns: 1; --table-rows: 2" in board
