"""Issue 13.13: forgot-password and activation resend answer `202` for any address, but an
address with an account took longer (a token, a mail, their writes), so the answer's timing
told which addresses exist. Now the answer comes before the address is looked up: the same
work runs before it, and it takes the same time."""

import itertools
import re
import statistics
import time

import httpx
import pytest
from sqlalchemy import select

from backend.mail.models import OutboxMail
from tests import factories
from tests.statements import count_statements

TRIES = 30
# The medians of known and unknown addresses may differ by this share of the smaller one.
TOLERANCE = 0.25
# ... or by this much, whichever is more: the scheduling noise of a busy test machine.
FLOOR_SECONDS = 0.0005

ENDPOINTS = {
    "forgot": ("/api/v1/auth/password/forgot", "active"),
    "resend": ("/api/v1/auth/activation/resend", "invited"),
}


async def _accounts(db, state: str, count: int) -> list[str]:
    accounts = [
        await factories.account(db, "school", activated=state == "active") for _ in range(count)
    ]
    await db.commit()
    return [account.email for account in accounts]


def _from_many_addresses(app):
    """The app, each request from an address of its own and each address asked for once:
    the mail limits (per address asked for, per client) never come into play."""
    numbers = itertools.count(1)

    async def spread(scope, receive, send):
        n = next(numbers)
        await app(
            {**scope, "client": (f"10.{n // 65536}.{n // 256 % 256}.{n % 256}", 1)}, receive, send
        )

    return spread


def _answer_marks(app, statements: list[str], marks: list[list[str]]):
    """The app, noting which statements had run when its answer began."""

    async def marked(scope, receive, send):
        async def send_marked(message):
            if message["type"] == "http.response.start":
                # (The test's savepoints are numbered: the number is no difference of work.)
                marks.append([re.sub(r"sa_savepoint_\d+", "sa_savepoint", s) for s in statements])
            await send(message)

        await app(scope, receive, send_marked)

    return marked


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_the_same_statements_run_before_the_answer(endpoint, app, engine, db):
    path, state = ENDPOINTS[endpoint]
    [known] = await _accounts(db, state, 1)
    marks: list[list[str]] = []
    with count_statements(engine) as statements:
        marked = _answer_marks(app, statements, marks)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=marked), base_url="http://stagematch.test"
        ) as client:
            for email in (known, "nobody-here@example.be"):
                statements.clear()
                response = await client.post(path, json={"email": email})
                assert response.status_code == 202
    known_before, unknown_before = marks
    assert known_before == unknown_before
    # The work was done after all: the known address has its mail, the unknown none.
    assert (await db.scalars(select(OutboxMail.to_address))).all() == [known]


def _answer_times(app, times: list[float]):
    """The app, noting how long each request took until the last byte of its answer was
    handed to the server: the time a client sees, without the noise of a client on this busy
    event loop."""

    async def timed(scope, receive, send):
        started = time.perf_counter()

        async def send_timed(message):
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                times.append(time.perf_counter() - started)

        await app(scope, receive, send_timed)

    return timed


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_known_and_unknown_addresses_answer_in_the_same_time(endpoint, app, db):
    path, state = ENDPOINTS[endpoint]
    known = await _accounts(db, state, TRIES + 1)
    times: dict[str, list[float]] = {"known": [], "unknown": []}
    answered: list[float] = []
    timed = _from_many_addresses(_answer_times(app, answered))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=timed), base_url="http://stagematch.test"
    ) as client:
        # Interleaved, so that a slow moment of the machine hits both alike; the first pair
        # warms up.
        for n in range(TRIES + 1):
            for label, email in (("known", known[n]), ("unknown", f"nobody{n}@example.be")):
                response = await client.post(path, json={"email": email})
                assert response.status_code == 202
                if n:
                    times[label].append(answered[-1])
    known_median = statistics.median(times["known"])
    unknown_median = statistics.median(times["unknown"])
    tolerance = max(TOLERANCE * min(known_median, unknown_median), FLOOR_SECONDS)
    assert abs(known_median - unknown_median) <= tolerance, (
        f"known {known_median * 1000:.2f} ms, unknown {unknown_median * 1000:.2f} ms"
    )
