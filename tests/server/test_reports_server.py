"""The outcome report through a real gevent server: built by `flask export` in a child process, never in the loop."""

from __future__ import annotations

import json

from tests.liveserver import facilitator_session
from tests.server.conftest import assert_clean_log


def test_reports_download_from_the_real_server_while_phones_stay_connected(shared_server, phones):
    server = shared_server
    offset = server.log_size()
    phone = phones(server).join(0)
    assert phone.post("problem", "غياب حاويات النفايات قرب السوق")["ok"]
    session = facilitator_session(server)
    base = f"{server.url}/reports/{server.code}/download"
    pdf = session.get(base, params={"format": "pdf", "lang": "ar+fr"}, timeout=120)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["Content-Type"] == "application/pdf"
    data = session.get(base, params={"format": "json", "public": "0"}, timeout=120)
    outcome = json.loads(data.content)
    texts = [p["text"] for axis in outcome["axes"] for p in axis["problems"]]
    assert "غياب حاويات النفايات قرب السوق" in texts and outcome["public"] is False
    assert phone.call("sync", {"since": 10**9})["ok"]  # the socket lived through both builds
    assert session.get(base, params={"format": "exe"}, timeout=30).status_code == 400
    assert server.alive()
    assert_clean_log(server.log_since(offset))
