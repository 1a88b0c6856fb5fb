"""SPEC section 5 walked cell by cell: every viewer x every state x every protected field,
through the API. A field a viewer may not see is absent (not null); a request a viewer may
not know answers 404, exactly like one that does not exist."""

import pytest

from tests import factories
from tests.conftest import make_client
from tests.services_helpers import arrange

STATES = {
    # state of the matrix -> situation of `arrange`, seen from service A ("me"); B is the
    # other inviting service, C a service that never touched the request.
    "open": "open",
    "invited": "invited_by_me",  # A and B invited
    "accepted_by_me": "accepted_by_me",  # A accepted, B placed elsewhere
    "accepted_by_another": "accepted_by_other",  # B accepted, A placed elsewhere
    "released": "released",  # A accepted then released; open again
    "withdrawn": "withdrawn",  # the school withdrew it while A and B had invited
    "not_placed": "not_placed",  # A and B invited, the decision deadline passed
}
VIEWERS = ("owner_school", "other_school", "admin", "service_a", "service_b", "service_c")
PERSONAL = ("national_number", "phone", "email")
FIELDS = (*PERSONAL, "street", "other_inviters")

ALL = frozenset(FIELDS)
NONE: frozenset[str] = frozenset()
CONTRACT = frozenset({*PERSONAL, "street"})  # the accepting service: no other inviters
ADMIN = frozenset({"street", "other_inviters"})  # the rest only on the audited reveal
NOT_FOUND = None


def expected(state: str, viewer: str) -> frozenset[str] | None:
    """The protected fields `viewer` sees in `state`, or None for a 404 (SPEC section 5)."""
    match viewer:
        case "owner_school":
            # A withdrawn request is gone for its school (withdrawing is its delete).
            return NOT_FOUND if state == "withdrawn" else ALL
        case "other_school":
            return NOT_FOUND
        case "admin":
            return ADMIN
        case "service_a":
            return CONTRACT if state == "accepted_by_me" else NONE
        case "service_b":
            return CONTRACT if state == "accepted_by_another" else NONE
        case "service_c":
            # Only what is (or was, for this service) in the browse list can be known.
            listed = state in ("open", "invited", "released")
            return NONE if listed else NOT_FOUND
    raise AssertionError(viewer)


@pytest.mark.parametrize("state", STATES)
async def test_visibility_matrix(app, db, state):
    school = await factories.account(db, "school")
    accounts = {
        "owner_school": school,
        "other_school": await factories.account(db, "school", postcode="9000"),
        "admin": await factories.account(db, "admin"),
        "service_a": await factories.account(db, "service", postcode="8400"),
        "service_b": await factories.account(db, "service", postcode="8000"),
        "service_c": await factories.account(db, "service", postcode="8400"),
    }
    service_a = accounts["service_a"].organisation_id
    service_b = accounts["service_b"].organisation_id
    setup = await arrange(
        db, STATES[state], school_id=school.organisation_id, me=service_a, other=service_b
    )
    inviters = set() if state == "open" else {str(service_a), str(service_b)}

    for viewer in VIEWERS:
        async with make_client(app) as client:
            token = await factories.login(client, accounts[viewer].email)
            client.headers["Authorization"] = f"Bearer {token}"
            response = await client.get(f"/api/v1/placement-requests/{setup.id}")
        _check_cell(state, viewer, response, inviters, str(accounts[viewer].organisation_id))


def _check_cell(state, viewer, response, inviters, own) -> None:
    cell = (state, viewer, response.text)
    want = expected(state, viewer)
    if want is NOT_FOUND:
        assert response.status_code == 404, cell
        assert response.json()["code"] == "not_found", cell
        return
    assert response.status_code == 200, cell
    body = response.json()

    for field in (*PERSONAL, "street"):
        if field in want:
            assert body[field], (field, *cell)
        else:
            # Absent, not null.
            assert field not in body, (field, *cell)
    seen = {i["service"]["id"] for i in body.get("invitations", [])}
    if "other_inviters" in want:
        assert seen == inviters, cell
    else:
        assert seen <= {own}, cell
    if viewer.startswith("service") and want != CONTRACT:
        # Who accepted, with the contact person, is the school's and the accepter's business.
        assert "acceptance" not in body, cell
    if state == "not_placed":
        assert body["status"] == "not_placed", cell
