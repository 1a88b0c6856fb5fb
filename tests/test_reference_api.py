"""The postcode lookup the request form uses to fill city and province."""

import pytest

POSTCODES = "/api/v1/reference/postcodes"


async def test_known_postcode(school_client):
    response = await school_client.get(f"{POSTCODES}/8000")
    assert response.status_code == 200
    data = response.json()
    assert data["code"] == "8000"
    assert {"nl": "Brugge", "fr": "Bruges"} in data["municipalities"]
    assert data["province"] == "BE-VWV"
    assert data["province_name"] == {"nl": "West-Vlaanderen", "en": "West Flanders"}
    assert 51.0 < data["latitude"] < 51.4 and 3.0 < data["longitude"] < 3.4


async def test_statbel_not_digit_ranges(school_client):
    # 2070 lies in East Flanders since the 2025 merger, though 2xxx "is" Antwerp.
    assert (await school_client.get(f"{POSTCODES}/2070")).json()["province"] == "BE-VOV"
    assert (await school_client.get(f"{POSTCODES}/1000")).json()["province"] == "BE-BRU"


async def test_unknown_postcode_is_404(school_client):
    response = await school_client.get(f"{POSTCODES}/1001")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


@pytest.mark.parametrize("code", ["800", "80000", "80a0"])
async def test_malformed_postcode_is_422(school_client, code):
    response = await school_client.get(f"{POSTCODES}/{code}")
    assert response.status_code == 422 and response.json()["code"] == "validation_error"


async def test_provinces(service_client):
    provinces = (await service_client.get("/api/v1/reference/provinces")).json()
    assert len(provinces) == 11 and provinces[0]["code"] == "BE-BRU"


async def test_needs_sign_in(client):
    assert (await client.get(f"{POSTCODES}/8000")).status_code == 401
