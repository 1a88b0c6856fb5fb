"""Issue 13.8: signing out ends the session's access token at once, not after its 15
minutes; a reused (stolen) refresh token does the same to its whole sign-in. Other sign-ins
of the same person go on."""

from tests.conftest import make_client
from tests.factories import PASSWORD


async def _sign_in(client, email: str) -> dict[str, str]:
    response = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_the_access_token_dies_with_logout(app, school_client):
    email = school_client.account.email
    async with make_client(app) as browser, make_client(app) as other_browser:
        bearer = await _sign_in(browser, email)
        other = await _sign_in(other_browser, email)
        assert (await browser.get("/api/v1/me", headers=bearer)).status_code == 200

        assert (await browser.post("/api/v1/auth/logout")).status_code == 204

        after = await browser.get("/api/v1/me", headers=bearer)
        assert after.status_code == 401
        assert after.json()["code"] == "token_invalid"
        # The other browser's sign-in is another session: it goes on.
        assert (await other_browser.get("/api/v1/me", headers=other)).status_code == 200


async def test_a_reused_refresh_token_ends_its_access_tokens(app, school_client):
    async with make_client(app) as browser, make_client(app) as thief:
        await _sign_in(browser, school_client.account.email)
        stolen = browser.cookies["stagematch_refresh"]
        rotated = await browser.post("/api/v1/auth/refresh")
        assert rotated.status_code == 200
        bearer = {"Authorization": f"Bearer {rotated.json()['access_token']}"}

        thief.cookies.set("stagematch_refresh", stolen)
        assert (await thief.post("/api/v1/auth/refresh")).status_code == 401

        after = await browser.get("/api/v1/me", headers=bearer)
        assert after.status_code == 401
        assert after.json()["code"] == "token_invalid"
