"""Small things a newcomer hit: the demo's URLs and a report language typed into the address bar."""

from datetime import date, timedelta

from consult.extensions import db
from consult.models import Process, User
from consult.services.consultation import consultation_status, consultation_step, draft


def test_the_demo_prints_the_port_it_will_be_served_on(runner):
    result = runner.invoke(args=["demo"], env={"HOST": "127.0.0.1", "PORT": "5101"})
    assert result.exit_code == 0, result.output
    assert "phone:  http://127.0.0.1:5101/j/" in result.output
    assert ":5000" not in result.output


def test_the_demo_prints_its_public_page_which_answers(runner, client):
    first = runner.invoke(args=["demo"], env={"HOST": "127.0.0.1", "PORT": "5101"})
    again = runner.invoke(args=["demo"], env={"HOST": "127.0.0.1", "PORT": "5101"})
    assert first.exit_code == 0 and again.exit_code == 0, first.output + again.output
    page = next(line for line in first.output.splitlines() if line.startswith("public page: "))
    url = page.removeprefix("public page: ")
    assert url == "http://127.0.0.1:5101/p/ait-amira/programme-ouverture"
    assert page in again.output  # run again: the same programme, not a second one
    path = url.removeprefix("http://127.0.0.1:5101")
    assert client.get(path).status_code == 200
    assert client.get(path + "/equality").status_code == 200
    process = db.session.scalar(db.select(Process).where(Process.slug == "programme-ouverture"))
    assert [s.kind for s in process.steps][0] == "workshops" and process.steps[0].starts_on == date(2024, 4, 15)
    assert process.kind == "open_commune" and process.published_at
    # The youth session of 8 April, closed and published (its recommendations are the draft), then the live demo.
    youth, live = process.workshops
    assert youth.status == "closed" and youth.published_at and youth.date == date(2024, 4, 8)
    assert live.status == "open" and live.published_at is None


def test_a_report_language_typed_with_a_plus_is_understood(client, auth, workshop):
    auth.login(db.session.get(User, workshop.created_by_id))
    # "lang=ar+fr" typed into an address bar reaches the server as "ar fr".
    typed = client.get(f"/reports/{workshop.code}/download?format=md&lang=ar+fr")
    assert typed.status_code == 200
    encoded = client.get(f"/reports/{workshop.code}/download?format=md&lang=ar%2Bfr")
    assert typed.get_data() == encoded.get_data()
    assert client.get(f"/reports/{workshop.code}/download?format=md&lang=ar+de").status_code == 400


def test_the_demo_opens_a_consultation_on_its_draft_for_30_days(runner, client):
    first = runner.invoke(args=["demo"])
    again = runner.invoke(args=["demo"])
    assert first.exit_code == 0 and again.exit_code == 0, first.output + again.output
    line = next(line for line in first.output.splitlines() if line.startswith("consultation on the draft: "))
    path = "/" + line.removeprefix("consultation on the draft: ").split("/", 3)[3]
    process = db.session.scalar(db.select(Process).where(Process.slug == "programme-ouverture"))
    step = consultation_step(process)
    assert consultation_status(step) == "open" and step.closes_at - step.opens_at == timedelta(days=30)
    recs = draft(process)
    assert len(recs) == 3  # one per axis, and running the demo again adds none
    html = client.get(path).get_data(as_text=True)
    for rec in recs:
        assert f"{path}/{rec.id}" in html and rec.title in html
