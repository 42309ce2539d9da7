"""Recommendations and every item's reasoned response (consult/services/recommendations.py)."""

from consult.payloads import item_payload, recommendations_payload
from consult.services.access import Actor
from consult.services.moderation import (
    hide_item,
    set_decision,
    set_rapporteur,
)
from consult.services.phases import set_phase
from consult.services.recommendations import delete_recommendation, reorder_recommendations, save_recommendation
from tests.conftest import run
from tests.services.conftest import last_event, post, refused

# Recommendations and decisions


def test_recommendations_are_built_from_items_and_numbered_across_axes(board):
    workshop, me, alice, bob = board
    problem = post(workshop, alice, "غياب حاويات")
    solution = post(workshop, alice, "وضع حاويات", "solution", parent_id=problem.id)
    other = post(workshop, bob, "ضعف التواصل")
    env, com = workshop.groups[0].theme, workshop.groups[1].theme
    second = run(
        save_recommendation, workshop, me, {"theme_id": com.id, "title": "بوابة إلكترونية", "item_ids": [other.id]}
    )
    first = run(
        save_recommendation,
        workshop,
        me,
        {
            "theme_id": env.id,
            "title": "تعميم الحاويات",
            "body": "وضع حاويات في كل دوار",
            "principle": "الشفافية",
            "priority": 1,
            "responsible": "الجماعة",
            "partners": "جمعيات المجتمع المدني",
            "horizon": "2025",
            "deadline": "2025-12-31",
            "budget": "200000 درهم",
            "indicator": "عدد الحاويات",
            "item_ids": [problem.id, solution.id],
        },
    )
    recs = recommendations_payload(workshop)
    assert [(r["number"], r["id"]) for r in recs] == [(1, first.id), (2, second.id)]  # axis order, not creation order
    assert recs[0]["deadline"] == "2025-12-31" and recs[0]["item_ids"] == [problem.id, solution.id]
    assert item_payload(problem)["decision"] == "retained" and item_payload(problem)["recommendation_ids"] == [first.id]
    event = last_event(workshop)
    assert event.type == "recommendation.changed" and {i["id"] for i in event.payload["items"]} == {
        problem.id,
        solution.id,
    }
    refused("invalid", save_recommendation, workshop, me, {"theme_id": env.id, "title": "x", "item_ids": [other.id]})
    refused("invalid", save_recommendation, workshop, me, {"theme_id": env.id, "title": " "})
    refused("invalid", save_recommendation, workshop, me, {"id": first.id, "deadline": "demain"})
    refused("invalid", save_recommendation, workshop, me, {"id": first.id, "priority": 0})
    refused("not_found", save_recommendation, workshop, me, {"theme_id": 2**70, "title": "x"})
    refused("not_found", save_recommendation, workshop, me, {"id": 2**70, "title": "x"})

    third = run(save_recommendation, workshop, me, {"theme_id": env.id, "title": "حملة تحسيس"})
    run(reorder_recommendations, workshop, me, env.id, [third.id, first.id])
    assert [r["id"] for r in recommendations_payload(workshop)] == [third.id, first.id, second.id]
    refused("invalid", reorder_recommendations, workshop, me, env.id, [third.id])
    run(save_recommendation, workshop, me, {"id": first.id, "item_ids": [problem.id]})
    assert item_payload(solution)["decision"] is None
    run(delete_recommendation, workshop, me, first.id)
    assert item_payload(problem)["decision"] is None
    assert [r["number"] for r in recommendations_payload(workshop)] == [1, 2]


def test_rapporteurs_consolidate_only_their_axis(board):
    workshop, me, alice, bob = board
    as_alice = Actor(participant=alice)
    env, com = workshop.groups[0].theme, workshop.groups[1].theme
    refused("forbidden", save_recommendation, workshop, as_alice, {"theme_id": env.id, "title": "x"})
    run(set_rapporteur, workshop, me, alice.group_id, alice.id)
    run(save_recommendation, workshop, as_alice, {"theme_id": env.id, "title": "x"})
    refused("forbidden", save_recommendation, workshop, as_alice, {"theme_id": com.id, "title": "y"})


def test_every_item_ends_with_a_reasoned_response(board):
    workshop, me, alice, _bob = board
    item = post(workshop, alice, "مشكل خارج اختصاص الجماعة")
    refused("invalid", set_decision, workshop, me, item.id, "not_retained", "  ")
    refused("invalid", set_decision, workshop, me, item.id, "maybe", "x")
    run(set_decision, workshop, me, item.id, "not_retained", "من اختصاص الإقليم")
    payload = last_event(workshop).payload["item"]
    assert payload["decision"] == "not_retained" and payload["reason"] == "من اختصاص الإقليم"
    run(set_decision, workshop, me, item.id, None)
    assert item_payload(item)["decision"] is None
    run(
        save_recommendation,
        workshop,
        me,
        {"theme_id": workshop.groups[0].theme.id, "title": "t", "item_ids": [item.id]},
    )
    refused("invalid", set_decision, workshop, me, item.id, "not_retained", "x")


def test_a_closed_workshop_refuses_moderation(board, facilitator):
    workshop, me, alice, _bob = board
    item = post(workshop, alice)
    run(set_phase, workshop, me, "closed")
    refused("closed", hide_item, workshop, me, item.id)
    refused("closed", save_recommendation, workshop, me, {"theme_id": workshop.groups[0].theme.id, "title": "x"})
