"""The password checklist asks the server (`POST /auth/password-check`): what it ticks is what
activation then accepts, and what it leaves open is what activation refuses."""

import logging

from backend.auth.ratelimit import PASSWORD_CHECKS_PER_ADDRESS
from backend.mail.worker import deliver_due
from tests.factories import token_from_mail
from tests.test_activation import invite_school

CHECK = "/api/v1/auth/password-check"


async def test_the_check_answers_what_activation_then_does(
    admin_client, client, smtp, smtp_settings, sessionmaker
):
    await invite_school(admin_client)
    await deliver_due(sessionmaker, smtp_settings)
    token = token_from_mail(smtp.catcher.messages[0])
    cases = {
        "Zx9#kq!Lw": {"length": False},
        "qwerty123456": {"not_common": False, "hard_to_guess": False},
        "iloveyou1234": {"hard_to_guess": False},
        "aaaaaaaaaaaaaa": {"hard_to_guess": False},
        "Zonnebloem-Tafel-Rivier-42": {},
    }
    for password, broken in cases.items():
        answer = await client.post(CHECK, json={"password": password, "token": token})
        assert answer.status_code == 200, answer.text
        assert answer.headers["cache-control"] == "no-store"
        expected = {"length": True, "not_common": True, "hard_to_guess": True, **broken}
        assert answer.json() == {**expected, "acceptable": not broken}, password
        activated = await client.post(
            "/api/v1/auth/activate", json={"token": token, "password": password}
        )
        assert (activated.status_code == 200) == (not broken), password


async def test_the_accounts_own_words_count_through_the_links_token(
    admin_client, client, smtp, smtp_settings, sessionmaker
):
    """A password made of the account's address passes for a stranger, not for its owner."""
    await invite_school(admin_client, email="roeselare.vti@school.example.be")
    await deliver_due(sessionmaker, smtp_settings)
    token = token_from_mail(smtp.catcher.messages[0])
    password = "roeselare.vti@school.example.be1"
    alone = await client.post(CHECK, json={"password": password})
    with_token = await client.post(CHECK, json={"password": password, "token": token})
    with_email = await client.post(
        CHECK, json={"password": password, "email": "roeselare.vti@school.example.be"}
    )
    assert alone.json()["hard_to_guess"] is True
    assert with_token.json()["hard_to_guess"] is False
    assert with_email.json()["hard_to_guess"] is False
    refused = await client.post(
        "/api/v1/auth/activate", json={"token": token, "password": password}
    )
    assert refused.json()["errors"][0]["code"] == "too_guessable"


async def test_an_empty_password_meets_no_rule_worth_having(client):
    answer = await client.post(CHECK, json={"password": ""})
    assert answer.status_code == 200
    assert answer.json()["acceptable"] is False
    assert answer.json()["hard_to_guess"] is False


async def test_a_password_too_long_to_weigh_is_not_called_hard_to_guess(client):
    answer = await client.post(CHECK, json={"password": "Zonnebloem-" * 12})
    assert answer.json() == {
        "length": False,
        "not_common": True,
        "hard_to_guess": None,
        "acceptable": False,
    }


async def test_checks_are_limited_per_address_and_never_logged(client, caplog):
    caplog.set_level(logging.DEBUG)
    secret = "Mijn-Geheime-Zin-Van-Vandaag-7"
    for _ in range(PASSWORD_CHECKS_PER_ADDRESS):
        assert (await client.post(CHECK, json={"password": secret})).status_code == 200
    refused = await client.post(CHECK, json={"password": secret})
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert secret not in caplog.text
