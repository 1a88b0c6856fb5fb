"""Personal data leaving Stagematch: this room decides which reads are audited and which are
told to the pupil's school. A national number shown to a service (the one that accepted the
pupil) is written to the audit log, whichever way it leaves (detail, list, a write's answer,
export); the admin sees it only through the reveal, with a reason, also audited.

Every time a pupil's national number, phone, e-mail or street leaves to someone other than
its school, the pupil's history gains a `disclosed` event (`record_disclosure`): the school
reads who saw which fields, when, through which channel (`Via`), and why. Repeats by one
reader through one channel on one Brussels day fold into one event with a count
(docs/DECISIONS.md, "Disclosures on the pupil's page")."""

import enum
import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from backend import clock, crypto
from backend.audit import service as audit
from backend.auth.actor import Actor
from backend.db import dialect_of, new_id
from backend.organisations import capacity
from backend.organisations.models import OrganisationKind
from backend.placements.models import RequestEvent
from backend.placements.reading.access import get_visible_request
from backend.placements.reading.present import has_own_pending_invitation, present_many
from backend.placements.reading.view import RequestView, read_view

# The history's kind of a disclosure event (the school sees it; a service never does).
DISCLOSED = "disclosed"
# The personal fields whose leaving is told, in the order the school reads them.
DISCLOSED_FIELDS = ("national_number", "phone", "email", "street")
# Rows per upsert statement: an export of thousands of pupils is a few statements, each
# well under the databases' limit of bind parameters (10 per row, 32,766 on both).
FOLD_BATCH = 1000


class Via(enum.StrEnum):
    """How the fields left: read in the app (a detail, a list, a write's answer), in an
    export, in the placement agreement (`files.agreement`), shown by the admin's reveal, or
    read with an API token."""

    detail = "detail"
    export = "export"
    agreement = "agreement"
    reveal = "reveal"
    api = "api"


def disclosed_fields(values: Mapping[str, Any]) -> list[str]:
    """The personal fields of `values` (a response body, or the values a file or reveal
    holds) that are actually given: present and not empty."""
    return [field for field in DISCLOSED_FIELDS if values.get(field)]


def _fold_key(actor: Actor, via: Via, day: str, fields: Sequence[str], reason: str | None) -> str:
    """What makes two disclosures the same line of the history: the reader (a service's
    organisation, the admin's own user), the channel, the Brussels day, the fields and the
    reason. A digest, so the key itself holds no personal value."""
    reader = actor.user.id if actor.is_admin else actor.organisation_id
    text = json.dumps([str(reader), via.value, day, list(fields), reason or ""])
    return hashlib.sha256(text.encode()).hexdigest()


def _upsert(dialect: str, rows: list[dict[str, Any]]) -> Insert:
    """One INSERT of `rows` that, for a row whose (request, fold key) exists, adds its count
    to the existing event and moves its last time instead: atomic on both databases, so two
    reads at once make one event counted twice."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(RequestEvent).values(rows)
    return statement.on_conflict_do_update(
        index_elements=[RequestEvent.request_id, RequestEvent.fold_key],
        set_={
            "times": RequestEvent.times + statement.excluded.times,
            "last_at": statement.excluded.last_at,
        },
    )


async def record_disclosure(
    session: AsyncSession,
    actor: Actor,
    disclosed: Mapping[uuid.UUID, Sequence[str]],
    via: Via,
    reason: str | None = None,
) -> None:
    """Tells each pupil's school that `actor` was given these of its personal fields
    (`disclosed`: request id -> field names; a request with none is skipped): one `disclosed`
    event per request, folded into the day's event of the same reader, channel, fields and
    reason. `via` is `api` whenever the reader used an API token. A few statements for any
    number of requests (one per FOLD_BATCH)."""
    if actor.api_token is not None:
        via = Via.api
    now = clock.now()
    day = now.astimezone(clock.BRUSSELS).date().isoformat()
    organisation = actor.user.organisation
    rows = []
    # In the order of the requests' ids, so that two upserts over the same pupils lock their
    # events in the same order and never wait for each other in a circle.
    for request_id in sorted(disclosed):
        fields = [f for f in DISCLOSED_FIELDS if f in disclosed[request_id]]
        if not fields:
            continue
        details: dict[str, Any] = {
            "fields": fields,
            "organisation": {"id": str(organisation.id), "name": organisation.name},
            "via": via.value,
        }
        if reason is not None:
            details["reason"] = reason
        rows.append(
            {
                "id": new_id(),
                "request_id": request_id,
                "at": now,
                "kind": DISCLOSED,
                "actor_user_id": actor.user.id,
                "actor_organisation_id": actor.organisation_id,
                "details": details,
                "fold_key": _fold_key(actor, via, day, fields, reason),
                "times": 1,
                "last_at": now,
            }
        )
    dialect = dialect_of(session)
    for start in range(0, len(rows), FOLD_BATCH):
        await session.execute(_upsert(dialect, rows[start : start + FOLD_BATCH]))


async def _full_campaigns(
    session: AsyncSession, actor: Actor, views: list[RequestView]
) -> frozenset[uuid.UUID]:
    """For a service: the campaigns of `views` where it has no place left, asked once for the
    whole list and only about those where it could accept (its invitation is live)."""
    if actor.role != OrganisationKind.service:
        return frozenset()
    could_accept = {v.campaign.id for v in views if has_own_pending_invitation(actor, v)}
    return await capacity.full_campaigns(session, actor.organisation_id, could_accept)


async def respond_many(
    session: AsyncSession,
    actor: Actor,
    views: list[RequestView],
    *,
    via: str,
    client_address: str | None = None,
) -> list[dict[str, Any]]:
    """The requests as `actor` may see them, with their actions; each national number shown
    to a service is audited (`via`: detail, list, export...)."""
    bodies = present_many(actor, views, await _full_campaigns(session, actor, views))
    if actor.role == OrganisationKind.service:
        for view, body in zip(views, bodies, strict=True):
            if "national_number" in body:
                audit.record(
                    session,
                    "national_number_shown",
                    actor=actor,
                    object_type="placement_request",
                    object_id=view.id,
                    client_address=client_address,
                    via=via,
                )
        # Only the accepting service is shown personal fields; its school is told. (The
        # admin's own reads show the street only, inside Stagematch: its reveals and its
        # exports with a reason are told, below and in admin.service.)
        await record_disclosure(
            session,
            actor,
            {view.id: disclosed_fields(body) for view, body in zip(views, bodies, strict=True)},
            Via.export if via == "export" else Via.detail,
        )
    return bodies


async def respond(
    session: AsyncSession,
    actor: Actor,
    view: RequestView,
    *,
    via: str = "detail",
    client_address: str | None = None,
) -> dict[str, Any]:
    """One request as `actor` may see it, audited as `respond_many` says."""
    return (await respond_many(session, actor, [view], via=via, client_address=client_address))[0]


async def show(
    session: AsyncSession,
    actor: Actor,
    request_id: uuid.UUID,
    *,
    via: str = "detail",
    client_address: str | None = None,
) -> dict[str, Any]:
    """The response body of one request (the detail, and every write's answer): read as a
    view if `actor` may know it (else 404), presented, audited."""
    view = await read_view(session, actor, request_id)
    return await respond(session, actor, view, via=via, client_address=client_address)


async def reveal(
    session: AsyncSession, actor: Actor, request_id: uuid.UUID, reason: str, client_address: str
) -> dict[str, str]:
    """The admin sees a pupil's national number, phone and e-mail only with a reason, which
    the audit log keeps."""
    request = await get_visible_request(session, actor, request_id)
    audit.record(
        session,
        "national_number_revealed",
        actor=actor,
        object_type="placement_request",
        object_id=request.id,
        client_address=client_address,
        reason=reason,
    )
    revealed = {
        "id": str(request.id),
        "national_number": crypto.decrypt(request.national_number_encrypted),
        "phone": request.phone,
        "email": request.email,
    }
    await record_disclosure(
        session, actor, {request.id: disclosed_fields(revealed)}, Via.reveal, reason
    )
    return revealed
