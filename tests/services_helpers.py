"""Shared steps of the services' tests: a request of a school in a campaign of a given phase,
more service clients, and the transitions through the API."""

import asyncio
from dataclasses import dataclass

import httpx
from sqlalchemy import select

from backend.mail.models import OutboxMail
from tests import factories
from tests.conftest import _role_client

ACCEPT_BODY = {
    "notes": "Start na de kerstvakantie; eerste week met een meter.",
    "contact_person": {"name": "An Peeters", "phone": "050 12 34 56", "email": "an@dienst.be"},
}


@dataclass
class Setup:
    campaign: object
    supervisor: object
    request: object
    id: str = ""  # the request's id as in URLs (kept: tests expire the session's objects)

    def __post_init__(self) -> None:
        self.id = self.id or str(self.request.id)


async def a_request(
    db, school_id, *, phase: str = "requests_open", track: str = "duaal", campaign=None, **kw
) -> Setup:
    """A request of `school_id` in a (new) campaign of `phase`; committed for the API."""
    campaign = campaign or await factories.campaign(db, track, phase=phase)
    supervisor = await factories.supervisor(db, school_id)
    request = await factories.placement_request(
        db, campaign_id=campaign.id, school_id=school_id, supervisor_id=supervisor.id, **kw
    )
    await db.commit()
    return Setup(campaign, supervisor, request)


async def service_clients(app, sessionmaker, n: int, postcode: str = "8400") -> list:
    return [await _role_client(app, sessionmaker, "service", postcode=postcode) for _ in range(n)]


async def close(*clients) -> None:
    for client in clients:
        await client.aclose()


def path(request_id, *rest: str) -> str:
    return "/".join([f"/api/v1/placement-requests/{request_id}", *rest])


async def invite(client, request_id):
    return await client.post(path(request_id, "invitations"))


async def accept(client, request_id, body=None):
    return await client.post(path(request_id, "acceptance"), json=body or ACCEPT_BODY)


async def release(client, request_id, reason="De leerling verhuist."):
    return await client.post(path(request_id, "acceptance", "release"), json={"reason": reason})


async def withdraw(client, request_id):
    return await client.post(path(request_id, "invitations", "mine", "withdraw"))


async def decline(client, request_id, reason=None):
    body = {"reason": reason} if reason is not None else None
    return await client.post(path(request_id, "invitations", "mine", "decline"), json=body)


async def outbox(sessionmaker, to: str | None = None, template: str | None = None) -> list:
    async with sessionmaker() as session:
        query = select(OutboxMail).order_by(OutboxMail.created_at)
        if to is not None:
            query = query.where(OutboxMail.to_address == to)
        if template is not None:
            query = query.where(OutboxMail.template == template)
        return list((await session.scalars(query)).all())


# --- requests in a given situation, straight into the database ------------------------------

SITUATIONS = (
    "open",  # nobody invited
    "invited_by_me",  # the viewer's service (and another) invited
    "invited_by_other",  # only another service invited
    "accepted_by_me",  # the viewer's service accepted; another was placed elsewhere
    "accepted_by_other",  # another service accepted; the viewer's invitation placed elsewhere
    "released",  # the viewer's service accepted, then released: open again
    "withdrawn",  # the school withdrew the request while both had invited
    "not_placed",  # both invited, nobody accepted, the decision deadline passed
)


async def arrange(db, situation: str, *, school_id, me, other, phase: str = "requests_open"):
    """A request of `school_id` in `situation` seen from service `me` (`other` is a second
    service), its campaign in `phase` ("not_placed" implies closed)."""
    from datetime import timedelta

    from backend import clock
    from backend.placements.models import (
        Acceptance,
        Invitation,
        InvitationOutcome,
        RequestState,
    )

    if situation == "not_placed":
        phase = "closed"
    setup = await a_request(db, school_id, phase=phase)
    request = setup.request
    at = clock.now() - timedelta(days=1)

    def invitation(service_id, outcome):
        ended = None if outcome == InvitationOutcome.pending else at
        db.add(
            Invitation(
                request_id=request.id,
                service_id=service_id,
                invited_at=at,
                outcome=outcome,
                ended_at=ended,
            )
        )

    def acceptance(service_id, released=False):
        db.add(
            Acceptance(
                request_id=request.id,
                service_id=service_id,
                accepted_at=at,
                notes="Welkom",
                contact_name="An Peeters",
                contact_phone="+3250123456",
                contact_email="an@dienst.be",
                released_at=at if released else None,
                release_reason="Verhuist" if released else None,
            )
        )

    pending, outcomes = InvitationOutcome.pending, InvitationOutcome
    match situation:
        case "open":
            pass
        case "invited_by_me" | "not_placed":
            invitation(me, pending)
            invitation(other, pending)
            request.state = RequestState.invited
        case "invited_by_other":
            invitation(other, pending)
            request.state = RequestState.invited
        case "accepted_by_me":
            invitation(me, outcomes.accepted)
            invitation(other, outcomes.placed_elsewhere)
            acceptance(me)
            request.state, request.accepted_service_id = RequestState.accepted, me
        case "accepted_by_other":
            invitation(me, outcomes.placed_elsewhere)
            invitation(other, outcomes.accepted)
            acceptance(other)
            request.state, request.accepted_service_id = RequestState.accepted, other
        case "released":
            invitation(me, outcomes.withdrawn)
            invitation(other, outcomes.placed_elsewhere)
            acceptance(me, released=True)
        case "withdrawn":
            invitation(me, outcomes.request_withdrawn)
            invitation(other, outcomes.request_withdrawn)
            request.state, request.withdrawn_at = RequestState.withdrawn, at
        case _:
            raise AssertionError(situation)
    await db.flush()
    await db.commit()
    return setup


# --- a streaming transport (httpx's ASGITransport waits for the whole body) ----------------


class StreamingASGITransport(httpx.AsyncBaseTransport):
    """Runs the ASGI app per request and hands the body to httpx chunk by chunk as the app
    sends it, so an endless stream (server-sent events) can be read line by line; closing the
    response tells the app the client went away."""

    def __init__(self, app) -> None:
        self.app = app

    async def handle_async_request(self, request):
        body = b"".join([chunk async for chunk in request.stream])
        chunks: asyncio.Queue = asyncio.Queue()
        started = asyncio.Event()
        gone = asyncio.Event()
        head: dict = {}
        body_sent = False

        async def receive():
            nonlocal body_sent
            if not body_sent:
                body_sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await gone.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            if message["type"] == "http.response.start":
                head.update(status=message["status"], headers=message.get("headers", []))
                started.set()
            elif message["type"] == "http.response.body":
                if message.get("body"):
                    await chunks.put(message["body"])
                if not message.get("more_body"):
                    await chunks.put(None)

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "headers": [(k.lower(), v) for k, v in request.headers.raw],
            "scheme": request.url.scheme,
            "path": request.url.path,
            "raw_path": request.url.raw_path.split(b"?")[0],
            "query_string": request.url.query,
            "server": (request.url.host, request.url.port),
            "client": ("127.0.0.1", 123),
            "root_path": "",
        }

        async def run():
            try:
                await self.app(scope, receive, send)
            finally:
                started.set()
                await chunks.put(None)

        task = asyncio.create_task(run())
        await started.wait()

        class Body(httpx.AsyncByteStream):
            async def __aiter__(self):
                while (chunk := await chunks.get()) is not None:
                    yield chunk

            async def aclose(self):
                gone.set()
                try:
                    await asyncio.wait_for(task, 5)
                except TimeoutError:
                    task.cancel()

        return httpx.Response(head["status"], headers=head["headers"], stream=Body())


def streaming_client(app, token: str | None = None) -> httpx.AsyncClient:
    client = httpx.AsyncClient(
        transport=StreamingASGITransport(app),
        base_url="http://stagematch.test",
    )
    if token:
        client.headers["Authorization"] = f"Bearer {token}"
    return client
