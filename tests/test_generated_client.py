"""Issue 18: a Python client generated from the live OpenAPI document (openapi-python-client,
offline) runs a school's typed sync against a live server: create, update, the change seen
through `updated_since` and `cursor`, a withdrawal seen as withdrawn. Every answer is parsed
into the generated classes, none of which takes undocumented members."""

import importlib
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import httpx
import pytest

from backend.db import create_engine, create_sessionmaker
from tests import factories
from tests.live_server import live_server_with_own_database

GENERATOR = str(Path(sys.executable).parent / "openapi-python-client")
PACKAGE = "stagematch_api_client"  # from the document's title, "Stagematch API"
# No network at test time: a generator that tried to fetch anything would meet this proxy.
OFFLINE = {"HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9"}


@pytest.fixture(scope="module")
def live_and_url(tmp_path_factory):
    yield from live_server_with_own_database(tmp_path_factory, "client")


@pytest.fixture(scope="module")
def database_url(live_and_url) -> str:
    return live_and_url[1]


@pytest.fixture(scope="module")
def server(live_and_url):
    return live_and_url[0]


@pytest.fixture(scope="module")
def generated(server, tmp_path_factory):
    """The client package generated from the server's own document, importable."""
    out = tmp_path_factory.mktemp("generated")
    spec = out / "openapi.json"
    spec.write_bytes(httpx.get(f"{server.url}/api/v1/openapi.json", timeout=15).content)
    config = out / "config.yml"
    # No formatter run on the generated code; the agreement's PDF read as bytes
    # (docs/integrations.md, "A typed client").
    config.write_text(
        "post_hooks: []\ncontent_type_overrides:\n  application/pdf: application/octet-stream\n"
    )
    done = subprocess.run(
        [GENERATOR, "generate", "--path", str(spec), "--meta", "none"]
        + ["--output-path", str(out / PACKAGE), "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=out,
        env={"PATH": str(Path(sys.executable).parent), **OFFLINE},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # Every schema of the document became a class: no warning, nothing left out.
    assert "Warning" not in done.stdout + done.stderr, done.stdout + done.stderr
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def _operation(tag: str, operation_id: str):
    return importlib.import_module(f"{PACKAGE}.api.{tag}.{operation_id}")


@pytest.fixture
async def school(settings, database_url, server):
    engine = create_engine(settings.model_copy(update={"database_url": database_url}))
    try:
        async with create_sessionmaker(engine)() as session:
            account = await factories.account(session, "school")
            supervisor = await factories.supervisor(session, account.organisation_id)
            await factories.campaign(session, "duaal", phase="requests_open")
            await session.commit()
    finally:
        await engine.dispose()
    async with httpx.AsyncClient(base_url=f"{server.url}/api/v1", timeout=15) as api:
        login = await api.post(
            "/auth/login", json={"email": account.email, "password": account.password}
        )
        session = {"Authorization": f"Bearer {login.json()['access_token']}"}
        created = await api.post(
            "/api-tokens", json={"name": "sis", "read_only": False}, headers=session
        )
        assert created.status_code == 201, created.text
    return created.json()["token"], supervisor.id


def test_the_generated_models_take_no_undocumented_members(generated):
    models = importlib.import_module(f"{PACKAGE}.models")
    for name in ("RequestRead", "RequestCreate", "RequestUpdate", "CursorPageRequestRead"):
        model = getattr(models, name)
        assert "additional_properties" not in attrs.fields_dict(model), name
    # The statuses and the history's kinds are enumerations.
    assert {s.value for s in models.RequestStatus} >= {"open", "invited", "withdrawn"}
    assert "disclosed" in {k.value for k in models.HistoryEventKind}


def test_a_typed_sync_with_the_generated_client(generated, server, school):
    token, supervisor_id = school
    models = importlib.import_module(f"{PACKAGE}.models")
    create = _operation("placement_requests", "create_request_api_v1_placement_requests_post")
    update = _operation(
        "placement_requests", "update_request_api_v1_placement_requests_request_id_patch"
    )
    withdraw = _operation(
        "placement_requests", "withdraw_request_api_v1_placement_requests_request_id_delete"
    )
    listing = _operation("placement_requests", "list_requests_api_v1_placement_requests_get")
    client = generated.AuthenticatedClient(base_url=server.url, token=token)
    started = datetime.now(UTC) - timedelta(seconds=5)

    def pupil(first_name: str):
        return models.RequestCreate.from_dict(
            {
                "track": "duaal",
                "first_name": first_name,
                "last_name": "Peeters",
                "national_number": factories.national_number(),
                "street": "Kerkstraat 1",
                "postcode": "8400",
                "city": "Oostende",
                "phone": "0470 12 34 56",
                "email": f"{first_name.lower()}@example.be",
                "transport_modes": ["bike"],
                "supervisor_id": str(supervisor_id),
                "hours_per_week": 24,
                "days": ["mon", "tue"],
                "form": "block",
            }
        )

    def sync(**params) -> tuple[dict, str]:
        """Every page from `params` on: the latest of each request, and the next cursor."""
        seen: dict = {}
        while True:
            page = listing.sync(client=client, page_size=2, **params)
            assert isinstance(page, models.CursorPageRequestRead), page
            for item in page.items:
                assert isinstance(item, models.RequestRead)
                seen[item.id] = item
            if not page.has_more:
                return seen, page.next_cursor
            params = {"cursor": page.next_cursor}

    made = [create.sync_detailed(client=client, body=pupil(name)) for name in ("Lotte", "Yusuf")]
    assert [m.status_code for m in made] == [201, 201], [m.content for m in made]
    lotte, yusuf = (m.parsed for m in made)
    assert isinstance(lotte, models.RequestRead) and lotte.status == models.RequestStatus.OPEN

    seen, cursor = sync(updated_since=started)
    assert set(seen) == {lotte.id, yusuf.id}
    assert seen[lotte.id].national_number and seen[lotte.id].version == 1

    edited = update.sync_detailed(
        lotte.id,
        client=client,
        body=models.RequestUpdate.from_dict({"hours_per_week": 12}),
        if_match=str(lotte.version),
    )
    assert edited.status_code == 200, edited.content
    assert withdraw.sync_detailed(yusuf.id, client=client).status_code == 204

    # The next sync, from the cursor kept, sees the edit and the withdrawal (a change of the
    # last minute may come twice: a sync keeps the latest of each request).
    changed, _ = sync(cursor=cursor)
    assert changed[lotte.id].hours_per_week == 12 and changed[lotte.id].version == 2
    assert changed[yusuf.id].status == models.RequestStatus.WITHDRAWN
    assert changed[yusuf.id].withdrawn_at is not None
    # Outside a sync the withdrawn request is gone, as before.
    overview = listing.sync(client=client)
    assert [i.id for i in overview.items] == [lotte.id] and overview.next_cursor is None
