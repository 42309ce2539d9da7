"""The commune's process pages in Chromium, in Arabic on a laptop: the process edit page and a recommendation's
adoption and follow-up page. Screenshots go to docs/screenshots/ for a person to look at."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from consult.extensions import db
from consult.models import Recommendation, User
from consult.services import unit_of_work
from consult.services.access import Actor
from consult.services.processes import (
    attach_workshop,
    create_process,
    post_follow_up,
    publish_workshop,
    record_adoption,
    set_steps,
)
from consult.services.recommendations import save_recommendation
from consult.services.workshops import close_workshop, create_workshop, open_workshop
from tests.browser.conftest import keep
from tests.browser.test_phone_and_board import login, no_horizontal_scroll
from tests.conftest import build_app

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


def seed(server) -> tuple[int, int]:
    """A published open-commune process in the server's own database, as a facilitator would have made it."""
    app = build_app(server.env["DATABASE_URL"])
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == server.email))
        with unit_of_work():
            process = create_process(
                user,
                title="برنامج الجماعة المنفتحة 2024-2026",
                kind="open_commune",
                description="ورشات التشارك ثم الاستشارة حول المشروع ثم المصادقة والتنفيذ والتقييم.",
            )
            rows = [
                {"kind": s.kind, "title": None, "starts_on": None, "ends_on": None, "status": "planned"}
                for s in process.steps
            ]
            rows[0].update(
                title="ورشة التشارك 15 أبريل 2024", starts_on="2024-04-15", ends_on="2024-04-15", status="done"
            )
            rows[1].update(starts_on="2024-05-01", ends_on="2024-05-31", status="current")
            rows[2].update(starts_on="2024-06-10", ends_on="2024-06-10")
            set_steps(process, user, rows)
            workshop = create_workshop(user, title="ورشة الحكومة المنفتحة - آيت عميرة", language="ar")
            db.session.flush()
            open_workshop(workshop, user)
        with unit_of_work():
            for title in ("إحداث بوابة إلكترونية للجماعة", "تنظيم حملات تحسيسية حول فرز النفايات"):
                save_recommendation(workshop, Actor(user=user), {"theme_id": workshop.themes[0].id, "title": title})
            close_workshop(workshop, user)
            attach_workshop(process, workshop, user)
            publish_workshop(workshop, user)
        rec = db.session.scalar(
            select(Recommendation).where(Recommendation.workshop_id == workshop.id).order_by(Recommendation.id)
        )
        with unit_of_work():
            record_adoption(
                rec,
                user,
                session_name="الدورة العادية لشهر ماي",
                session_date="2024-05-06",
                decision="amended",
                amended_text="بوابة إلكترونية بالعربية والأمازيغية والفرنسية",
            )
        with unit_of_work():
            post_follow_up(
                rec, user, status="in_progress", progress=40, service="مصلحة المعلوميات", note="إطلاق طلب العروض"
            )
        ids = process.id, rec.id
        db.session.remove()
        db.engine.dispose()
    return ids


def test_the_process_and_a_recommendations_follow_up_in_arabic_on_a_laptop(server, desk):
    process_id, rec_id = seed(server)
    login(desk, server)
    desk.goto(f"{server.url}/processes/{process_id}?lang=ar")
    expect(desk.locator("html")).to_have_attribute("dir", "rtl")
    expect(desk.locator(".step-row")).to_have_count(5)
    expect(desk.locator(".process-recs li")).to_have_count(2)
    assert no_horizontal_scroll(desk)
    keep(desk, "process-edit", full_page=True)

    desk.locator(".process-recs a").first.click()
    desk.wait_for_url(re.compile(f"/processes/{process_id}/recommendations/{rec_id}"))
    expect(desk.locator(".history-entry")).to_have_count(2)
    assert no_horizontal_scroll(desk)
    keep(desk, "process-recommendation", full_page=True)

    # A plain form post from the page: the follow-up lands at the top of the history.
    desk.select_option("select[name=update-status]", "done")
    desk.fill("textarea[name=update-note]", "البوابة في الخدمة")
    desk.locator("form:has(input[value=update]) button[type=submit]").click()
    desk.wait_for_url(re.compile("#history$"))
    expect(desk.locator(".history-entry").first).to_contain_text("البوابة في الخدمة")
