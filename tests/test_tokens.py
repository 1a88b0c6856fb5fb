"""Forged, tampered, expired and foreign access tokens are refused."""

import base64
import json
from datetime import timedelta

from jose import jwt

from backend import clock
from tests.factories import PASSWORD


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def _valid_token(client, school_client) -> str:
    response = await client.post(
        "/api/v1/auth/login", json={"email": school_client.account.email, "password": PASSWORD}
    )
    return response.json()["access_token"]


async def _me(client, token: str):
    return await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


async def test_valid_token_has_the_documented_claims(client, school_client, settings):
    token = await _valid_token(client, school_client)
    claims = jwt.get_unverified_claims(token)
    assert set(claims) == {"sub", "org", "role", "tv", "sid", "exp", "iat", "jti", "typ"}
    assert claims["exp"] - claims["iat"] == 15 * 60
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    assert (await _me(client, token)).status_code == 200


async def test_alg_none_is_refused(client, school_client):
    claims = jwt.get_unverified_claims(await _valid_token(client, school_client))
    forged = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    response = await _me(client, forged)
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"


async def test_tampered_payload_is_refused(client, school_client):
    header, payload, signature = (await _valid_token(client, school_client)).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["role"] = "admin"
    response = await _me(client, f"{header}.{_b64(claims)}.{signature}")
    assert response.status_code == 401


async def test_other_key_is_refused(client, school_client, settings):
    claims = jwt.get_unverified_claims(await _valid_token(client, school_client))
    forged = jwt.encode(claims, "another-secret-key-of-an-attacker", algorithm="HS256")
    assert (await _me(client, forged)).status_code == 401


async def test_expired_token_is_refused(client, school_client):
    token = await _valid_token(client, school_client)
    clock.shift(timedelta(minutes=15, seconds=1))
    assert (await _me(client, token)).status_code == 401


async def test_refresh_token_cannot_be_used_as_access_token(client, school_client, settings):
    claims = jwt.get_unverified_claims(await _valid_token(client, school_client))
    claims["typ"] = "refresh"
    forged = jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm="HS256")
    assert (await _me(client, forged)).status_code == 401


async def test_token_without_exp_is_refused(client, school_client, settings):
    claims = jwt.get_unverified_claims(await _valid_token(client, school_client))
    del claims["exp"]
    forged = jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm="HS256")
    assert (await _me(client, forged)).status_code == 401


async def test_garbage_is_refused(client):
    for token in ["", "abc", "a.b.c", "Bearer x"]:
        response = await _me(client, token)
        assert response.status_code == 401
