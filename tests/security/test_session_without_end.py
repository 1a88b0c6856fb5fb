"""OWASP ASVS 3.3.2: a sign-in kept alive by refreshing used to last for ever (each refresh
token lived 14 days from its rotation). It now ends SESSION_HOURS (12) after the password was
typed, however often it is refreshed: then the person signs in again."""

from datetime import timedelta

from backend import clock
from tests.factories import PASSWORD


async def test_refreshing_does_not_stretch_a_sign_in_past_its_working_day(school_client, client):
    clock.freeze(clock.now())
    login = await client.post(
        "/api/v1/auth/login", json={"email": school_client.account.email, "password": PASSWORD}
    )
    assert login.status_code == 200
    cookie = login.headers["set-cookie"]
    assert "Max-Age=43200" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie

    # Active all day: a refresh every 14 minutes keeps it going...
    for _ in range(50):
        clock.shift(timedelta(minutes=14))
        refreshed = await client.post("/api/v1/auth/refresh")
        assert refreshed.status_code == 200, refreshed.text
    # ...and the cookie counts down to the same end (11 h 40 min gone, 20 min left).
    assert "Max-Age=1200" in refreshed.headers["set-cookie"]

    clock.shift(timedelta(minutes=21))
    ended = await client.post("/api/v1/auth/refresh")
    assert ended.status_code == 401
