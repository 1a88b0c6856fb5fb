"""Issue 18, point 3: a cumulative import file (the whole list, every night) is not blocked by
the pupils already imported. The import's `mode` says what a row of a pupil the school already
entered does, and the report says per row what it did, with the request's id."""

from sqlalchemy import func, select

from backend.placements.models import PlacementRequest, RequestEvent
from backend.placements.schemas import ImportReport
from tests.schools_helpers import REQUESTS, ready, url
from tests.services_helpers import ACCEPT_BODY, accept, invite
from tests.test_import_export import IMPORT, _csv, _row


async def _import(client, rows, *, mode: str | None = None, dry_run: bool = False):
    params = {"track": "duaal", "dry_run": str(dry_run).lower()}
    if mode:
        params["mode"] = mode
    return await client.post(
        IMPORT, params=params, files={"file": ("p.csv", _csv(rows), "text/csv")}
    )


async def _count(db, model=PlacementRequest) -> int:
    return await db.scalar(select(func.count(model.id)))


def _results(report) -> list[tuple[int, str]]:
    return [(r["row"], r["result"]) for r in report["results"]]


async def test_three_imported_and_one_new_pupil_in_each_mode(school_client, db):
    setup = await ready(db, school_client.account.organisation_id)
    rows = [_row(i, setup.supervisor.email) for i in range(4)]
    first = await _import(school_client, rows[:3])
    assert first.status_code == 200, first.text
    created = first.json()
    assert created["mode"] == "create_only" and created["created"] == 3
    ids = [r["id"] for r in created["results"]]
    assert all(ids) and _results(created) == [(2, "created"), (3, "created"), (4, "created")]
    listed = (await school_client.get(REQUESTS, params={"page_size": 10})).json()
    assert {i["id"] for i in listed["items"]} == set(ids)

    # create_only (the default): the old rows refuse the file, naming the existing requests.
    refused = await _import(school_client, rows)
    assert refused.status_code == 422 and refused.json()["code"] == "import_invalid"
    problem = refused.json()
    ImportReport.model_validate({k: problem[k] for k in ImportReport.model_fields})
    assert [(e["row"], e["code"], e["existing_id"]) for e in problem["errors"]] == [
        (2, "duplicate_request", ids[0]),
        (3, "duplicate_request", ids[1]),
        (4, "duplicate_request", ids[2]),
    ]
    assert _results(problem)[-1] == (5, "created") and problem["refused"] == 3
    assert await _count(db) == 3

    # skip_existing: the new pupil is created, the others are left as they are.
    rows[1]["hours_per_week"] = "12"  # (a change skip_existing does not write)
    dry = (await _import(school_client, rows, mode="skip_existing", dry_run=True)).json()
    assert dry["dry_run"] and _results(dry) == [
        (2, "unchanged"),
        (3, "unchanged"),
        (4, "unchanged"),
        (5, "created"),
    ]
    assert [r["id"] for r in dry["results"]] == [*ids, None]
    assert await _count(db) == 3
    skipped = await _import(school_client, rows, mode="skip_existing")
    assert skipped.status_code == 200, skipped.text
    report = skipped.json()
    assert (report["created"], report["updated"], report["unchanged"], report["refused"]) == (
        1,
        0,
        3,
        0,
    )
    new_id = report["results"][3]["id"]
    assert new_id and new_id not in ids and await _count(db) == 4
    assert (await school_client.get(url(ids[1]))).json()["hours_per_week"] == 24

    # create_or_update: the changed row updates its request, the others stay unchanged.
    rows[2]["city"] = "Gentbrugge"
    rows[2]["postcode"] = "9050"
    before = await _count(db, RequestEvent)
    updated = await _import(school_client, rows, mode="create_or_update")
    assert updated.status_code == 200, updated.text
    report = updated.json()
    assert _results(report) == [(2, "unchanged"), (3, "updated"), (4, "updated"), (5, "unchanged")]
    assert [r["id"] for r in report["results"]] == [*ids, new_id]
    assert report["results"][1]["fields"] == ["hours_per_week"]
    assert report["results"][2]["fields"] == ["city", "postcode"]
    ImportReport.model_validate(report)  # the documented shape
    after = (await school_client.get(url(ids[1]))).json()
    assert after["hours_per_week"] == 12 and after["version"] == 2
    assert (await school_client.get(url(ids[2]))).json()["city"] == "Gentbrugge"
    assert await _count(db) == 4 and await _count(db, RequestEvent) == before + 2
    history = (await school_client.get(url(ids[1], "history"))).json()["items"]
    assert history[-1]["kind"] == "updated"
    assert history[-1]["details"] == {"fields": ["hours_per_week"], "via": "import"}

    # The same file again changes nothing.
    again = (await _import(school_client, rows, mode="create_or_update")).json()
    assert {r["result"] for r in again["results"]} == {"unchanged"}
    assert (await school_client.get(url(ids[1]))).json()["version"] == 2


async def test_a_bad_row_still_refuses_the_whole_file_in_every_mode(school_client, db):
    setup = await ready(db, school_client.account.organisation_id)
    rows = [_row(i, setup.supervisor.email) for i in range(3)]
    assert (await _import(school_client, rows[:2])).status_code == 200
    rows[0]["hours_per_week"] = "30"
    rows[2]["postcode"] = "0000"
    for mode in ("create_or_update", "skip_existing"):
        response = await _import(school_client, rows, mode=mode)
        assert response.status_code == 422 and response.json()["code"] == "import_invalid"
        report = response.json()
        assert report["results"][2] == {"row": 4, "result": "refused", "id": None}
        assert [(e["row"], e["field"]) for e in report["errors"]] == [(4, "postcode")]
    assert await _count(db) == 2
    assert {i["hours_per_week"] for i in (await school_client.get(REQUESTS)).json()["items"]} == {
        24
    }
    # A pupil twice in one file is refused in every mode.
    twice = [rows[1], rows[1]]
    report = (await _import(school_client, twice, mode="skip_existing", dry_run=True)).json()
    assert [(e["row"], e["code"]) for e in report["errors"]] == [(3, "duplicate_in_file")]
    bad_mode = await _import(school_client, rows[:1], mode="upsert")
    assert bad_mode.status_code == 422 and bad_mode.json()["errors"][0]["field"] == "mode"


async def test_an_accepted_pupil_is_left_unchanged_and_does_not_block_the_file(
    school_client, service_client, db
):
    setup = await ready(db, school_client.account.organisation_id)
    rows = [_row(i, setup.supervisor.email) for i in range(2)]
    ids = [r["id"] for r in (await _import(school_client, rows)).json()["results"]]
    assert (await invite(service_client, ids[0])).status_code == 201
    assert (await accept(service_client, ids[0], ACCEPT_BODY)).status_code == 200
    rows[0]["phone"] = "0471 99 88 77"
    rows[1]["phone"] = "0471 99 88 66"
    response = await _import(school_client, rows, mode="create_or_update")
    assert response.status_code == 200, response.text
    first, second = response.json()["results"]
    assert first == {"row": 2, "result": "unchanged", "id": ids[0], "code": "request_locked"}
    assert second["result"] == "updated" and second["fields"] == ["phone"]
    assert (await school_client.get(url(ids[0]))).json()["phone"] == "+32470123456"
    assert (await school_client.get(url(ids[1]))).json()["phone"] == "+32471998866"
