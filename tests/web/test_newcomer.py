"""Small things a newcomer hit: the demo's URLs and a report language typed into the address bar."""

from consult.extensions import db
from consult.models import User


def test_the_demo_prints_the_port_it_will_be_served_on(runner):
    result = runner.invoke(args=["demo"], env={"HOST": "127.0.0.1", "PORT": "5101"})
    assert result.exit_code == 0, result.output
    assert "phone:  http://127.0.0.1:5101/j/" in result.output
    assert ":5000" not in result.output


def test_a_report_language_typed_with_a_plus_is_understood(client, auth, workshop):
    auth.login(db.session.get(User, workshop.created_by_id))
    # "lang=ar+fr" typed into an address bar reaches the server as "ar fr".
    typed = client.get(f"/reports/{workshop.code}/download?format=md&lang=ar+fr")
    assert typed.status_code == 200
    encoded = client.get(f"/reports/{workshop.code}/download?format=md&lang=ar%2Bfr")
    assert typed.get_data() == encoded.get_data()
    assert client.get(f"/reports/{workshop.code}/download?format=md&lang=ar+de").status_code == 400
