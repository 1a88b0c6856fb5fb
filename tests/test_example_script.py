"""The integration example of docs/integrations.md runs green against a live server: a
school's system imports its pupils with a read-write API token (the whole list every night:
`--mode create_or_update`), then follows what changes with a read-only one (a sync with
`updated_since` and a cursor, a withdrawal seen as withdrawn)."""

import subprocess
import sys

import httpx
import pytest

from backend.db import create_engine, create_sessionmaker
from tests import factories
from tests.conftest import ROOT
from tests.live_server import LiveServer, live_server_with_own_database

SCRIPT = ROOT / "examples" / "sis_sync.py"
PUPILS = ROOT / "examples" / "pupils.csv"
SUPERVISOR_EMAIL = "an.janssens@school.example"  # the supervisor named in pupils.csv


@pytest.fixture(scope="module")
def live_and_url(tmp_path_factory):
    yield from live_server_with_own_database(tmp_path_factory, "example")


@pytest.fixture(scope="module")
def database_url(live_and_url) -> str:
    return live_and_url[1]


@pytest.fixture(scope="module")
def server(live_and_url):
    return live_and_url[0]


@pytest.fixture
async def school_and_service(settings, database_url, server):
    engine = create_engine(settings.model_copy(update={"database_url": database_url}))
    try:
        async with create_sessionmaker(engine)() as session:
            school = await factories.account(session, "school")
            service = await factories.account(session, "service", postcode="8400")
            await factories.supervisor(session, school.organisation_id, email=SUPERVISOR_EMAIL)
            await factories.campaign(session, "duaal", phase="requests_open")
            await session.commit()
    finally:
        await engine.dispose()
    return school, service


def run_script(server: LiveServer, token: str, *args: str, tmp_path=None):
    env = {"STAGEMATCH_URL": server.url, "STAGEMATCH_TOKEN": token, "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        env=env,
        cwd=tmp_path or ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_example_imports_pupils_and_polls_their_status(server, school_and_service, tmp_path):
    school, service = school_and_service
    async with httpx.AsyncClient(base_url=f"{server.url}/api/v1", timeout=15) as api:
        login = await api.post(
            "/auth/login", json={"email": school.email, "password": school.password}
        )
        session = {"Authorization": f"Bearer {login.json()['access_token']}"}
        tokens = {}
        for name, read_only in (("import", False), ("status", True)):
            created = await api.post(
                "/api-tokens", json={"name": name, "read_only": read_only}, headers=session
            )
            assert created.status_code == 201, created.text
            tokens[name] = created.json()["token"]

        # A read-only token cannot import: the script reports the server's refusal.
        refused = run_script(server, tokens["status"], "import", str(PUPILS), "--track", "duaal")
        assert refused.returncode == 1
        assert "read_only_token" in refused.stderr

        imported = run_script(server, tokens["import"], "import", str(PUPILS), "--track", "duaal")
        assert imported.returncode == 0, imported.stdout + imported.stderr
        assert "checked 2 rows: 2 valid" in imported.stdout
        assert "imported: 2 created, 0 updated, 0 unchanged" in imported.stdout

        # The same file again (a nightly import of the whole list): nothing changes.
        again = run_script(server, tokens["import"], "import", str(PUPILS), "--track", "duaal")
        assert again.returncode == 0, again.stdout + again.stderr
        assert "imported: 0 created, 0 updated, 2 unchanged" in again.stdout
        # A pupil's data changed in the school's system: that row updates its request.
        edited = tmp_path / "pupils.csv"
        edited.write_text(PUPILS.read_text().replace("Kerkstraat", "Kapelstraat"))
        changed = run_script(server, tokens["import"], "import", str(edited), "--track", "duaal")
        assert "imported: 0 created, 1 updated, 1 unchanged" in changed.stdout, changed.stdout
        assert ": updated street (" in changed.stdout
        # Only new pupils: the old rows refuse the file, naming the school's requests.
        only_new = [str(PUPILS), "--track", "duaal", "--mode", "create_only"]
        refused = run_script(server, tokens["import"], "import", *only_new)
        assert refused.returncode == 2
        assert refused.stdout.count("duplicate_request") == 2
        assert refused.stdout.count(", request ") == 2

        # A service invites one pupil; the school's system sees it at its next poll.
        service_login = await api.post(
            "/auth/login", json={"email": service.email, "password": service.password}
        )
        as_service = {"Authorization": f"Bearer {service_login.json()['access_token']}"}
        browse = await api.get("/placement-requests", params={"q": "Peeters"}, headers=as_service)
        (lotte,) = browse.json()["items"]
        invited = await api.post(
            f"/placement-requests/{lotte['id']}/invitations", headers=as_service
        )
        assert invited.status_code == 201, invited.text

    state = tmp_path / "statuses.json"
    first = run_script(server, tokens["status"], "status", "--state", str(state))
    assert first.returncode == 0, first.stdout + first.stderr
    assert f"Peeters Lotte: invited by {service.name}" in first.stdout
    assert "Maes Yusuf: open" in first.stdout
    assert "2 requests, 2 changed" in first.stdout
    second = run_script(server, tokens["status"], "status", "--state", str(state))
    assert "2 requests, 0 changed" in second.stdout
    assert "Peeters Lotte" not in second.stdout

    # The school withdraws a pupil: the next sync sees it withdrawn, not vanished.
    async with httpx.AsyncClient(base_url=f"{server.url}/api/v1", timeout=15) as api:
        mine = await api.get("/placement-requests", params={"q": "Maes"}, headers=session)
        (yusuf,) = mine.json()["items"]
        gone = await api.delete(f"/placement-requests/{yusuf['id']}", headers=session)
        assert gone.status_code == 204, gone.text
    third = run_script(server, tokens["status"], "status", "--state", str(state))
    assert third.returncode == 0, third.stdout + third.stderr
    assert "Maes Yusuf: withdrawn" in third.stdout
    assert "1 requests, 1 changed" in third.stdout
