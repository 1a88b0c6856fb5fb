"""The services' transition table walked through the API: every (action, phase, situation)
either succeeds or answers its own 409 code, and a refused move changes nothing."""

import pytest
from sqlalchemy import select

from backend.placements.models import PlacementRequest
from tests import factories
from tests.services_helpers import (
    ACCEPT_BODY,
    arrange,
    path,
)

ACTIONS = {
    "invite": ("invitations", None),
    "withdraw": ("invitations/mine/withdraw", None),
    "decline": ("invitations/mine/decline", {"reason": "Past niet in onze planning"}),
    "accept": ("acceptance", ACCEPT_BODY),
    "release": ("acceptance/release", {"reason": "De leerling verhuist"}),
}

# What each action answers in the working phases, per situation seen from the acting
# service: a status code for a success, the 409 code for a refusal. Written out by hand
# from SPEC section 4, not read from transitions.py, so the two must agree.
WORKING = {
    "invite": {
        "open": 201,
        "invited_by_me": 200,  # a repeated invite is a no-op
        "invited_by_other": 201,
        "accepted_by_me": "already_accepted",
        "accepted_by_other": "already_accepted",
        "released": 201,  # back in the list: anyone may invite, the releaser too
        "withdrawn": "request_withdrawn",
    },
    "withdraw": {
        "open": "not_invited",
        "invited_by_me": 200,
        "invited_by_other": "not_invited",
        "accepted_by_me": "already_accepted",
        "accepted_by_other": "already_accepted",
        "released": "not_invited",
        "withdrawn": "request_withdrawn",
    },
    "accept": {
        "open": "not_invited",
        "invited_by_me": 200,
        "invited_by_other": "not_invited",
        "accepted_by_me": "already_accepted",
        "accepted_by_other": "already_accepted",
        "released": "not_invited",
        "withdrawn": "request_withdrawn",
    },
    "release": {
        "open": "not_accepted",
        "invited_by_me": "not_accepted",
        "invited_by_other": "not_accepted",
        "accepted_by_me": 200,
        "accepted_by_other": "not_accepted",
        "released": "not_accepted",
        "withdrawn": "request_withdrawn",
    },
}
WORKING["decline"] = WORKING["withdraw"]

# The status a successful move leaves (the other service's invitation stays live).
AFTER = {
    ("invite", "open"): "invited",
    ("invite", "invited_by_me"): "invited",
    ("invite", "invited_by_other"): "invited",
    ("invite", "released"): "invited",
    ("withdraw", "invited_by_me"): "invited",
    ("decline", "invited_by_me"): "invited",
    ("accept", "invited_by_me"): "accepted",
    ("release", "accepted_by_me"): "open",
}

PHASES = {
    "requests_open": WORKING,
    "decisions_open": WORKING,
    # Before the campaign opens and after the decision deadline nothing moves.
    **{
        phase: {
            action: dict.fromkeys(("invited_by_me", "accepted_by_me"), "phase_closed")
            for action in WORKING
        }
        for phase in ("before_open", "closed")
    },
}


async def _state(db, request_id):
    db.expire_all()
    found = await db.scalar(select(PlacementRequest).where(PlacementRequest.id == request_id))
    return found.state, found.accepted_service_id, found.version


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("action", ACTIONS)
async def test_transition_table(service_client, school_client, db, action, phase):
    other = await factories.account(db, "service")
    suffix, body = ACTIONS[action]
    for situation, expected in PHASES[phase][action].items():
        setup = await arrange(
            db,
            situation,
            school_id=school_client.account.organisation_id,
            me=service_client.account.organisation_id,
            other=other.organisation_id,
            phase=phase,
        )
        before = await _state(db, setup.request.id)
        response = await service_client.post(path(setup.id, suffix), json=body)
        cell = (action, phase, situation, response.text)

        if isinstance(expected, int):
            assert response.status_code == expected, cell
            assert response.json()["status"] == AFTER[(action, situation)], cell
        else:
            assert response.status_code == 409, cell
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.json()["code"] == expected, cell
            assert await _state(db, setup.request.id) == before, cell


async def test_the_table_refuses_schools_and_admins(school_client, admin_client, db):
    setup = await arrange(
        db,
        "invited_by_other",
        school_id=school_client.account.organisation_id,
        me=(await factories.account(db, "service")).organisation_id,
        other=(await factories.account(db, "service")).organisation_id,
    )
    for client in (school_client, admin_client):
        for suffix, body in ACTIONS.values():
            response = await client.post(path(setup.id, suffix), json=body)
            assert response.status_code == 403, (suffix, response.text)
            assert response.json()["code"] == "forbidden"


async def test_unknown_request_is_not_found(service_client):
    for suffix, body in ACTIONS.values():
        response = await service_client.post(
            path("00000000-0000-4000-8000-000000000000", suffix), json=body
        )
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


async def test_the_phase_refusal_names_the_deadline(service_client, school_client, db):
    other = await factories.account(db, "service")
    setup = await arrange(
        db,
        "not_placed",
        school_id=school_client.account.organisation_id,
        me=service_client.account.organisation_id,
        other=other.organisation_id,
    )
    response = await service_client.post(path(setup.id, "acceptance"), json=ACCEPT_BODY)
    assert response.status_code == 409
    problem = response.json()
    assert problem["code"] == "phase_closed"
    assert problem["deadline_name"] == "decision_deadline"
    assert problem["deadline"] == setup.campaign.decision_deadline.isoformat()
