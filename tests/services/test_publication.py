"""What the public sees of a process: only published workshops of a published process, never a name or a held item."""

from __future__ import annotations

import json

import pytest

from consult.extensions import db
from consult.services import ServiceError
from consult.services.processes import update_process, withdraw_workshop
from consult.services.publication import feed_entries, public_process, public_recommendation, published_process
from tests.public_process import (
    FIRST_NOTE,
    HIDDEN_TEXT,
    NICKNAMES,
    PENDING_TEXT,
    REJECTED_TEXT,
    SECOND_NOTE,
    published_ait_amira,
    run,
)


@pytest.fixture
def published(app):
    return published_ait_amira()


def test_the_public_sees_the_outcome_and_nothing_held_hidden_or_named(published):
    data = public_process(published.process, "fr")
    dumped = json.dumps(data, ensure_ascii=False)
    for secret in (PENDING_TEXT, REJECTED_TEXT, HIDDEN_TEXT, "خارج الموضوع", "إساءة", *NICKNAMES):
        assert secret not in dumped, secret
    texts = {c["text"] for c in data["contributions"]}
    assert "غياب حاويات النفايات في الدواوير" in texts
    assert [r["number"] for r in data["recommendations"]] == [1, 2]
    by_text = {c["text"]: c for c in data["contributions"]}
    assert by_text["غياب حاويات النفايات في الدواوير"]["recommendation"] == 1
    assert by_text["الأزبال في كل مكان قرب السوق الأسبوعي"]["decision"] == "merged"
    beyond = by_text["الطريق الإقليمية مقطوعة"]
    assert (beyond["decision"], beyond["reason"]) == ("not_retained", "من اختصاص المجلس الإقليمي")
    assert set(data) >= {"process", "steps", "workshops", "recommendations", "contributions", "documents", "summary"}
    # Eight participants in small categories: folded, as in the public report.
    assert data["workshops"][0]["attendance"]["participants"] == 8
    assert data["workshops"][0]["attendance"]["folded"] is True
    assert [d["kind"] for d in data["documents"]] == ["workshop_report"]


def test_adoption_and_follow_up_keep_their_history_in_order(published):
    data = public_process(published.process, "ar")
    first, second = data["recommendations"]
    assert [u["status"] for u in first["updates"]] == ["adopted", "in_progress", "done"]
    assert [u["note"] for u in first["updates"]][1:] == [FIRST_NOTE, SECOND_NOTE]
    assert (first["status"], first["progress"], first["service"]) == ("done", 100, "مصلحة البيئة")
    assert first["decision"]["decision"] == "adopted"
    assert (second["status"], second["decision"]["reason"]) == ("not_adopted", "ليست من اختصاص الجماعة")
    assert data["summary"]["by_status"]["done"] == 1
    one = public_recommendation(published.process, first["id"], "ar")
    assert [c["text"] for c in one["contributions"]][0] == "غياب حاويات النفايات في الدواوير"
    kinds = [e["kind"] for e in feed_entries(published.process)]
    assert kinds.count("update") == 4 and kinds.count("publication") == 1


def test_withdrawing_takes_the_outcome_off_the_page(published):
    run(withdraw_workshop, published.held.workshop, published.held.facilitator)
    data = public_process(published.process, "ar")
    assert data["workshops"] == [] and data["recommendations"] == [] and data["contributions"] == []
    assert data["documents"] == []
    with pytest.raises(ServiceError):
        public_recommendation(published.process, published.recommendations[0].id, "ar")


def test_an_unpublished_process_is_unknown(published):
    process = published.process
    run(update_process, process, published.held.facilitator, title=process.title, kind=process.kind, published=False)
    db.session.expire_all()
    with pytest.raises(ServiceError) as refused:
        published_process(process.commune.slug, process.slug)
    assert refused.value.code == "not_found"
    with pytest.raises(ServiceError):
        public_process(process, "ar")
