"""The benchmark's baseline (bench/baseline.py) answers the same pages as the API, item for
item, on a small seeded database: the comparison in docs/PERFORMANCE.md is between equals.
PostgreSQL only (the baseline speaks asyncpg); a database of its own, seeded by bench/seed.py
with a few hundred requests."""

import httpx
import pytest

from backend.config import Settings
from backend.db import create_engine, create_sessionmaker
from backend.main import create_app
from tests.conftest import IS_POSTGRES, TEST_DATABASE_URL, fresh_database, migrate

pytestmark = pytest.mark.skipif(
    not IS_POSTGRES, reason="the baseline uses asyncpg: PostgreSQL only (TEST_DATABASE_URL)"
)


@pytest.fixture
def bench_url() -> str:
    url = f"{TEST_DATABASE_URL}_bench"
    fresh_database(url)
    migrate(url)
    return url


@pytest.fixture
async def bench_database(settings: Settings, bench_url: str, monkeypatch):
    url = bench_url
    bench_settings = settings.model_copy(update={"database_url": url})
    engine = create_engine(bench_settings)
    try:
        from bench.seed import seed

        async with create_sessionmaker(engine)() as session:
            logins = await seed(session, schools=4, services=3, requests=400)
            await session.commit()
    finally:
        await engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DATA_KEY", settings.data_key.get_secret_value())
    yield bench_settings, logins


async def test_the_baseline_answers_the_apis_pages(bench_database):
    from bench import baseline
    from bench.run import compare_pages

    settings, logins = bench_database
    api = create_app(settings)
    async with (
        api.router.lifespan_context(api),
        baseline.app.router.lifespan_context(baseline.app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://a") as a,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=baseline.app), base_url="http://b"
        ) as b,
    ):
        # The seeded data is what the app would have written: the servers it is served by
        # are ready (the key checks read a stored number and its hash).
        ready = await a.get("/readyz")
        assert ready.status_code == 200, ready.text

        async def token(email: str) -> str:
            response = await a.post(
                "/api/v1/auth/login", json={"email": email, "password": logins["password"]}
            )
            assert response.status_code == 200, response.text
            return response.json()["access_token"]

        for service in logins["services"]:
            headers = {"Authorization": f"Bearer {await token(service['email'])}"}
            for max_km, page in ((60, 1), (60, 2), (15, 1)):
                mine = await a.get(
                    "/api/v1/placement-requests",
                    params={"max_km": max_km, "page_size": 20, "page": page},
                    headers=headers,
                )
                theirs = await b.get(
                    "/browse",
                    params={
                        "service_id": service["id"],
                        "max_km": max_km,
                        "page_size": 20,
                        "page": page,
                    },
                )
                assert mine.status_code == theirs.status_code == 200
                check = compare_pages(mine.json(), theirs.json())
                assert check["same_ids_and_order"] and check["same_total"], check
                assert check["fields_differing"] == [], check

        school = logins["schools"][0]
        headers = {"Authorization": f"Bearer {await token(school['email'])}"}
        mine = await a.get("/api/v1/placement-requests", params={"page_size": 200}, headers=headers)
        theirs = await b.get("/overview", params={"school_id": school["id"], "page_size": 200})
        assert mine.json()["total"] == 200
        check = compare_pages(mine.json(), theirs.json())
        assert check == {
            **check,
            "same_ids_and_order": True,
            "same_total": True,
            "fields_differing": [],
        }
