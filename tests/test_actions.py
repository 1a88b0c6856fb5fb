"""A request's `actions` tell the truth: for every role, situation and phase (reached by moving
the campaign's deadlines through the admin API), each action the request lists succeeds on a
fresh request in the same situation, and each action it does not list is refused (a repeated
invite, never listed, changes nothing). The campaign's `actions` say what each role may still
do in its phase."""

import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from backend import clock
from backend.organisations.models import ServiceCapacity
from backend.placements.models import PlacementRequest
from tests import factories
from tests.services_helpers import ACCEPT_BODY, arrange, path

TOKENS = "/api/v1/api-tokens"
PHASES = ("before_open", "requests_open", "decisions_open", "closed")
# Deadlines around now, in days, that put a campaign in each phase.
MOMENTS = {
    "before_open": (1, 2, 3),
    "requests_open": (-1, 1, 2),
    "decisions_open": (-2, -1, 1),
    "closed": (-3, -2, -1),
}
SITUATIONS = (
    "open",
    "invited_by_me",
    "invited_by_other",
    "accepted_by_me",
    "accepted_by_other",
    "released",
    "withdrawn",
    "full",  # invited by me, but my service has no place left in the campaign
)
# How each action is performed: (method, path suffix, body).
DO = {
    "edit": ("PATCH", "", {"remarks": "Graag in de buurt van het station."}),
    "withdraw_request": ("DELETE", "", None),
    "invite": ("POST", "invitations", None),
    "withdraw_invitation": ("POST", "invitations/mine/withdraw", None),
    "decline": ("POST", "invitations/mine/decline", {"reason": "Geen plaats in de planning"}),
    "accept": ("POST", "acceptance", ACCEPT_BODY),
    "release": ("POST", "acceptance/release", {"reason": "De leerling verhuist"}),
}
BY_ROLE = {
    "school": ("edit", "withdraw_request"),
    "service": ("invite", "withdraw_invitation", "decline", "accept", "release"),
    "admin": ("withdraw_request",),
}
CAMPAIGN_ACTIONS = {
    "before_open": {"school": [], "service": [], "admin": []},
    "requests_open": {
        "school": ["create", "edit", "withdraw_request"],
        "service": ["invite", "withdraw_invitation", "decline", "accept", "release"],
        "admin": ["withdraw_request"],
    },
    "decisions_open": {
        "school": ["edit", "withdraw_request"],
        "service": ["invite", "withdraw_invitation", "decline", "accept", "release"],
        "admin": ["withdraw_request"],
    },
    "closed": {"school": [], "service": [], "admin": ["open_round"]},
}


async def _in_phase(admin_client, campaign_id, phase: str) -> dict:
    now = clock.now()
    opens, requests, decisions = (now + timedelta(days=d) for d in MOMENTS[phase])
    response = await admin_client.patch(
        f"/api/v1/campaigns/{campaign_id}",
        json={
            "opens_at": opens.isoformat(),
            "request_deadline": requests.isoformat(),
            "decision_deadline": decisions.isoformat(),
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["phase"] == phase
    return response.json()


async def _fresh(db, admin_client, situation: str, phase: str, *, school, me, other):
    """A new request in `situation` seen from service `me`, its campaign moved to `phase`."""
    setup = await arrange(
        db,
        "invited_by_me" if situation == "full" else situation,
        school_id=school,
        me=me,
        other=other,
    )
    if situation == "full":
        db.add(ServiceCapacity(service_id=me, campaign_id=setup.campaign.id, capacity=1, used=1))
        await db.commit()
    await _in_phase(admin_client, setup.campaign.id, phase)
    return setup


async def _perform(client, role: str, action: str, request_id: str, version: int | None):
    if role == "admin":
        return await client.post(
            f"/api/v1/admin/placement-requests/{request_id}/withdraw",
            json={"reason": "Dubbel ingevoerd door twee scholen"},
        )
    method, suffix, body = DO[action]
    headers = {"If-Match": f'"{version}"'} if method == "PATCH" else {}
    url = path(request_id, suffix) if suffix else path(request_id)
    return await client.request(method, url, json=body, headers=headers)


async def _version(db, request_id) -> int:
    db.expire_all()
    return await db.scalar(
        select(PlacementRequest.version).where(PlacementRequest.id == request_id)
    )


@pytest.mark.parametrize("phase", PHASES)
async def test_every_listed_action_succeeds_and_every_other_is_refused(
    admin_client, school_client, service_client, db, phase
):
    clients = {"school": school_client, "service": service_client, "admin": admin_client}
    ids = {
        "school": school_client.account.organisation_id,
        "me": service_client.account.organisation_id,
        "other": (await factories.account(db, "service")).organisation_id,
    }
    offered = set()
    for situation in SITUATIONS:
        for role, client in clients.items():
            for action in BY_ROLE[role]:
                setup = await _fresh(db, admin_client, situation, phase, **ids)
                shown = await client.get(path(setup.id))
                listed = shown.json()["actions"] if shown.status_code == 200 else []
                assert shown.status_code in (200, 404), shown.text
                version = await _version(db, uuid.UUID(setup.id))
                response = await _perform(client, role, action, setup.id, version)
                cell = (phase, situation, role, action, listed, response.text)
                if action in listed:
                    offered.add((role, action))
                    assert response.status_code in (200, 201, 204), cell
                elif (situation, action) in {("invited_by_me", "invite"), ("full", "invite")}:
                    # A repeated invite: never offered; a no-op (200) while the phase allows.
                    assert response.status_code in (200, 409), cell
                    assert await _version(db, uuid.UUID(setup.id)) == version, cell
                else:
                    assert response.status_code in (403, 404, 409), cell
                    assert await _version(db, uuid.UUID(setup.id)) == version, cell
    if phase in ("requests_open", "decisions_open"):
        # Every action of the table was offered somewhere: the walk is not vacuous.
        assert offered == {(r, a) for r, actions in BY_ROLE.items() for a in actions}
    else:
        assert offered == set()


@pytest.mark.parametrize("phase", PHASES)
async def test_the_campaign_says_what_each_role_may_still_do(
    admin_client, school_client, db, phase
):
    setup = await arrange(
        db,
        "open",
        school_id=school_client.account.organisation_id,
        me=(await factories.account(db, "service")).organisation_id,
        other=(await factories.account(db, "service")).organisation_id,
    )
    moved = await _in_phase(admin_client, setup.campaign.id, phase)
    assert moved["actions"] == CAMPAIGN_ACTIONS[phase]
    read = (await admin_client.get(f"/api/v1/campaigns/{setup.campaign.id}")).json()
    assert read["actions"] == CAMPAIGN_ACTIONS[phase]
    assert (read["phase"], read["next_deadline"] is None) == (phase, phase == "closed")
    shown = (await admin_client.get(path(setup.id))).json()
    assert shown["campaign"]["actions"] == CAMPAIGN_ACTIONS[phase]
    moment = (shown["campaign"]["next_deadline"], read["next_deadline"])
    assert len({datetime.fromisoformat(m) if m else None for m in moment}) == 1


async def test_a_read_only_token_is_offered_nothing(school_client, db):
    setup = await arrange(
        db,
        "open",
        school_id=school_client.account.organisation_id,
        me=(await factories.account(db, "service")).organisation_id,
        other=(await factories.account(db, "service")).organisation_id,
    )
    assert (await school_client.get(path(setup.id))).json()["actions"] == [
        "edit",
        "withdraw_request",
    ]
    made = await school_client.post(TOKENS, json={"name": "lezen", "read_only": True})
    assert made.status_code == 201, made.text
    school_client.headers["Authorization"] = f"Bearer {made.json()['token']}"
    assert (await school_client.get(path(setup.id))).json()["actions"] == []
