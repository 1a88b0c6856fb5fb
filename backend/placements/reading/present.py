"""Who sees which field of a placement request (SPEC section 5): the one function from viewer
and request to the response body. A field the viewer may not see is absent, never null."""

from typing import Any

from backend import crypto
from backend.campaigns.phase import Phase, next_deadline, phase_of
from backend.organisations.models import OrganisationKind
from backend.placements.models import Acceptance, Invitation, PlacementRequest, RequestState

# Fields only the owning school and the accepting service see; the admin sees the street,
# and the other three only through the audited reveal endpoint (SPEC section 5).
SENSITIVE_FIELDS = ("street", "national_number", "phone", "email")


def status_of(request: PlacementRequest, phase: Phase | None = None) -> str:
    """open | invited | accepted | not_placed (derived after the decision deadline) | withdrawn."""
    if request.state == RequestState.withdrawn:
        return "withdrawn"
    if request.state == RequestState.accepted:
        return "accepted"
    if (phase or phase_of(request.campaign)) == Phase.closed:
        return "not_placed"
    return request.state.value


def live_acceptance(request: PlacementRequest) -> Acceptance | None:
    """The acceptance that holds (not released), if any."""
    return next((a for a in request.acceptances if a.released_at is None), None)


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def present_campaign(campaign, phase: Phase | None = None) -> dict[str, Any]:
    phase = phase or phase_of(campaign)
    return {
        "id": str(campaign.id),
        "school_year": campaign.school_year,
        "track": campaign.track.value,
        "phase": phase.value,
        "opens_at": _iso(campaign.opens_at),
        "request_deadline": _iso(campaign.request_deadline),
        "decision_deadline": _iso(campaign.decision_deadline),
        "next_deadline": _iso(next_deadline(campaign)),
    }


def present_invitation(invitation: Invitation) -> dict[str, Any]:
    return {
        "service": {"id": str(invitation.service_id), "name": invitation.service.name},
        "invited_at": _iso(invitation.invited_at),
        "outcome": invitation.outcome.value,
        "ended_at": _iso(invitation.ended_at),
    }


def present_acceptance(acceptance: Acceptance) -> dict[str, Any]:
    return {
        "service": {"id": str(acceptance.service_id), "name": acceptance.service.name},
        "accepted_at": _iso(acceptance.accepted_at),
        "notes": acceptance.notes,
        "contact_person": {
            "name": acceptance.contact_name,
            "phone": acceptance.contact_phone,
            "email": acceptance.contact_email,
        },
    }


def present(
    actor,
    request: PlacementRequest,
    *,
    extra: dict | None = None,
    campaigns: dict | None = None,
) -> dict[str, Any]:
    """The request as `actor` may see it. Needs the relations of
    `service.request_load_options()` loaded (or a view of `views.page`). `campaigns` keeps
    each campaign's phase and body across a list, where many requests share one."""
    role = actor.role
    is_owner = role == OrganisationKind.school and request.school_id == actor.organisation_id
    is_admin = role == OrganisationKind.admin
    accepted = live_acceptance(request)
    is_accepter = (
        role == OrganisationKind.service
        and accepted is not None
        and accepted.service_id == actor.organisation_id
    )
    campaign = request.campaign
    known = campaigns.get(campaign.id) if campaigns is not None else None
    if known is None:
        phase = phase_of(campaign)
        known = (phase, present_campaign(campaign, phase))
        if campaigns is not None:
            campaigns[campaign.id] = known
    phase, campaign_body = known
    supervisor = request.supervisor
    body: dict[str, Any] = {
        "id": str(request.id),
        "track": campaign.track.value,
        "status": status_of(request, phase),
        "campaign": campaign_body,
        "school": {"id": str(request.school_id), "name": request.school.name},
        "first_name": request.first_name,
        "last_name": request.last_name,
        "postcode": request.postcode,
        "city": request.city,
        "province": request.province,
        "transport_modes": list(request.transport_modes),
        "remarks": request.remarks,
        "supervisor": {
            "id": str(supervisor.id),
            "first_name": supervisor.first_name,
            "last_name": supervisor.last_name,
            "phone": supervisor.phone,
            "email": supervisor.email,
        },
        "start_date": _iso(request.start_date),
        "end_date": _iso(request.end_date),
        "hours_per_week": request.hours_per_week,
        "days": list(request.days),
        "form": request.form,
    }
    if is_owner or is_accepter or is_admin:
        body["street"] = request.street
    if is_owner or is_accepter:
        # Plain 11 digits: the form accepts them back as they are.
        body["national_number"] = crypto.decrypt(request.national_number_encrypted)
        body["phone"] = request.phone
        body["email"] = request.email
    if is_owner or is_admin:
        body["invitations"] = [present_invitation(i) for i in request.invitations]
        body["acceptance"] = present_acceptance(accepted) if accepted else None
    else:
        # A service sees its own invitation only, never which others invited.
        body["invitations"] = [
            present_invitation(i)
            for i in request.invitations
            if i.service_id == actor.organisation_id
        ]
        if is_accepter:
            body["acceptance"] = present_acceptance(accepted)
    if is_admin:
        body["withdrawn_at"] = _iso(request.withdrawn_at)
    body["created_at"] = _iso(request.created_at)
    body["updated_at"] = _iso(request.updated_at)
    body["version"] = request.version
    if extra:
        body.update(extra)
    return body


def present_many(actor, requests) -> list[dict[str, Any]]:
    """`present` for a list, each campaign's part built once."""
    campaigns: dict = {}
    return [present(actor, r, campaigns=campaigns) for r in requests]
