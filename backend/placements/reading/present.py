"""Who sees which field of a placement request (SPEC section 5): the one function from viewer
and request view to the response body (documented as `schemas.RequestRead`). A field the
viewer may not see is absent, never null."""

import uuid
from collections.abc import Set
from datetime import date, datetime, timedelta
from typing import Any

import orjson

from backend import crypto
from backend.auth.actor import Actor
from backend.campaigns.phase import Phase, next_deadline, phase_of
from backend.organisations.models import OrganisationKind
from backend.placements.models import InvitationOutcome
from backend.placements.reading.view import (
    AcceptanceView,
    CampaignView,
    InterviewView,
    InvitationView,
    RequestView,
)
from backend.placements.transitions import Relation, actions_for, campaign_actions

# Fields only the owning school and the accepting service see; the admin sees the street,
# and the other three only through the audited reveal endpoint (SPEC section 5).
SENSITIVE_FIELDS = ("street", "national_number", "phone", "email")
API_PATH = "/api/v1/placement-requests"


def _iso(value: date | datetime | None) -> str | None:
    """`value.isoformat()`, written by orjson: the same text (RFC 3339, the offset kept,
    microseconds only when there are any) in a third of the time, and a page of 200 requests
    writes some 800 of them. tests/test_bench.py compares every field with the baseline's."""
    return orjson.dumps(value)[1:-1].decode() if value is not None else None


def present_campaign(campaign: CampaignView) -> dict[str, Any]:
    phase = phase_of(campaign)
    return {
        "id": str(campaign.id),
        "school_year": campaign.school_year,
        "track": campaign.track.value,
        "phase": phase.value,
        "opens_at": _iso(campaign.opens_at),
        "request_deadline": _iso(campaign.request_deadline),
        "decision_deadline": _iso(campaign.decision_deadline),
        "round": campaign.round,
        "next_deadline": _iso(next_deadline(campaign)),
        "actions": campaign_actions(phase, purged=campaign.purged_at is not None),
    }


def present_invitation(invitation: InvitationView) -> dict[str, Any]:
    return {
        "service": {"id": str(invitation.service.id), "name": invitation.service.name},
        "invited_at": _iso(invitation.invited_at),
        "outcome": invitation.outcome.value,
        "ended_at": _iso(invitation.ended_at),
        "interview": present_interview(invitation.interview),
    }


def present_interview(interview: InterviewView | None) -> dict[str, Any] | None:
    if interview is None:
        return None
    return {
        "starts_at": _iso(interview.starts_at),
        "ends_at": _iso(interview.starts_at + timedelta(minutes=interview.duration_minutes)),
        "duration_minutes": interview.duration_minutes,
        "place": interview.place,
    }


def present_acceptance(acceptance: AcceptanceView) -> dict[str, Any]:
    return {
        "service": {"id": str(acceptance.service.id), "name": acceptance.service.name},
        "accepted_at": _iso(acceptance.accepted_at),
        "notes": acceptance.notes,
        "contact_person": {
            "name": acceptance.contact_name,
            "phone": acceptance.contact_phone,
            "email": acceptance.contact_email,
        },
    }


def has_own_pending_invitation(actor: Actor, view: RequestView) -> bool:
    return any(
        i.service.id == actor.organisation_id and i.outcome == InvitationOutcome.pending
        for i in view.invitations
    )


def _relations(actor: Actor, view: RequestView) -> frozenset[Relation]:
    """What the viewer is to the request, as the table's rules name it."""
    me = actor.organisation_id
    match actor.role:
        case OrganisationKind.school:
            return frozenset({Relation.owner} if view.school.id == me else ())
        case OrganisationKind.service:
            pending = has_own_pending_invitation(actor, view)
            accepted = view.live_acceptance
            return frozenset(
                {
                    Relation.own_pending_invitation
                    if pending
                    else Relation.no_own_pending_invitation,
                    *([Relation.own_acceptance] if accepted and accepted.service.id == me else []),
                }
            )
    return frozenset()


def _actions(
    actor: Actor, view: RequestView, phase: Phase, full_campaigns: Set[uuid.UUID]
) -> list[str]:
    """The request's `actions` for this viewer now (`transitions.actions_for`); none with a
    read-only API token, which may not write."""
    if actor.api_token is not None and actor.api_token.is_read_only:
        return []
    found = actions_for(
        actor.role.value,
        _relations(actor, view),
        phase,
        view.state,
        places_left=view.campaign.id not in full_campaigns,
        earlier_round=view.round < view.campaign.round,
    )
    return [action.value for action in found]


def _campaign_part(campaign: CampaignView) -> tuple[Phase, dict[str, Any]]:
    """The campaign's phase now and its body: once per campaign of a list."""
    body = present_campaign(campaign)
    return Phase(body["phase"]), body


def present_release(acceptance: AcceptanceView) -> dict[str, Any]:
    """An acceptance its service undid: who, and when (the reason is in the history)."""
    return {
        "service": {"id": str(acceptance.service.id), "name": acceptance.service.name},
        "released_at": _iso(acceptance.released_at),
    }


def _common(view: RequestView, campaign: dict[str, Any]) -> dict[str, Any]:
    """What every viewer who may know the request sees."""
    supervisor = view.supervisor
    return {
        "id": str(view.id),
        "track": view.campaign.track.value,
        "status": view.status.value,
        "round": view.round,
        "campaign": campaign,
        "school": {"id": str(view.school.id), "name": view.school.name},
        "first_name": view.first_name,
        "last_name": view.last_name,
        "postcode": view.postcode,
        "city": view.city,
        "province": view.province,
        "transport_modes": list(view.transport_modes),
        "remarks": view.remarks,
        "supervisor": {
            "id": str(supervisor.id),
            "first_name": supervisor.first_name,
            "last_name": supervisor.last_name,
            "phone": supervisor.phone,
            "email": supervisor.email,
        },
        "start_date": _iso(view.start_date),
        "end_date": _iso(view.end_date),
        "hours_per_week": view.hours_per_week,
        "days": list(view.days),
        "form": view.form,
    }


def _present(
    actor: Actor,
    view: RequestView,
    campaign: tuple[Phase, dict[str, Any]],
    full_campaigns: Set[uuid.UUID],
) -> dict[str, Any]:
    role = actor.role
    is_owner = role == OrganisationKind.school and view.school.id == actor.organisation_id
    is_admin = role == OrganisationKind.admin
    accepted = view.live_acceptance
    is_accepter = (
        role == OrganisationKind.service
        and accepted is not None
        and accepted.service.id == actor.organisation_id
    )
    phase, campaign_body = campaign
    body = _common(view, campaign_body)
    if is_owner or is_accepter or is_admin:
        body["street"] = view.street
    if is_owner or is_accepter:
        # Plain 11 digits: the form accepts them back as they are.
        body["national_number"] = crypto.decrypt(view.national_number_encrypted)
        body["phone"] = view.phone
        body["email"] = view.email
    if is_owner or is_admin:
        body["invitations"] = [present_invitation(i) for i in view.invitations]
        body["acceptance"] = present_acceptance(accepted) if accepted else None
        body["releases"] = [present_release(a) for a in view.acceptances if a.released_at]
    else:
        # A service sees its own invitation only, never which others invited.
        body["invitations"] = [
            present_invitation(i) for i in view.invitations if i.service.id == actor.organisation_id
        ]
        if is_accepter:
            body["acceptance"] = present_acceptance(accepted)  # type: ignore[arg-type]
    if (is_owner or is_accepter) and view.has_agreement:
        # The placement agreement is theirs while the pupil is accepted (files/agreement.py);
        # the admin's needs a reason, so it gets no link.
        body["agreement_url"] = f"{API_PATH}/{view.id}/agreement"
    if is_admin or (is_owner and view.withdrawn_at is not None):
        # The owning school reads its withdrawn request only in its sync (lists/sync.py).
        body["withdrawn_at"] = _iso(view.withdrawn_at)
    body["created_at"] = _iso(view.created_at)
    body["updated_at"] = _iso(view.updated_at)
    body["version"] = view.version
    body["actions"] = _actions(actor, view, phase, full_campaigns)
    return body


def present(
    actor: Actor, view: RequestView, full_campaigns: Set[uuid.UUID] = frozenset()
) -> dict[str, Any]:
    """The request as `actor` may see it (SPEC section 5). The caller read `view` through
    `readable_by`, so `actor` may know the request; this decides only which fields, and
    which actions it offers (`full_campaigns`: those where the service has no place left)."""
    return _present(actor, view, _campaign_part(view.campaign), full_campaigns)


def present_many(
    actor: Actor, views: list[RequestView], full_campaigns: Set[uuid.UUID] = frozenset()
) -> list[dict[str, Any]]:
    """`present` for a list, each campaign's part built once."""
    campaigns: dict[Any, tuple[Phase, dict[str, Any]]] = {}
    bodies = []
    for view in views:
        campaign = campaigns.get(view.campaign.id)
        if campaign is None:
            campaign = campaigns[view.campaign.id] = _campaign_part(view.campaign)
        bodies.append(_present(actor, view, campaign, full_campaigns))
    return bodies
