"""Issue 18, point 2: a school's system asks what changed since its last sync (`updated_since`,
then `cursor`, in order of change), sees a withdrawn request as withdrawn, finds its own
request by the pupil's national number, and is told which request a duplicate is."""

from datetime import UTC, datetime, timedelta

from backend import clock
from backend.reference.national_number import format_national_number
from tests import factories
from tests.schools_helpers import REQUESTS, create, ready, url
from tests.services_helpers import accept, decline, invite, release

T0 = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)


async def sync(client, *, page_size: int = 3, **params) -> tuple[list[dict], str, list[dict]]:
    """Every page of a sync: the items, the last cursor, and the pages' bodies."""
    items, bodies = [], []
    params = {"page_size": page_size, **params}
    while True:
        response = await client.get(REQUESTS, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        bodies.append(body)
        items += body["items"]
        assert body["next_cursor"]
        if not body["has_more"]:
            return items, body["next_cursor"], bodies
        params = {"page_size": page_size, "cursor": body["next_cursor"]}


async def _requests(db, school_id, supervisor, campaign, count: int) -> list[str]:
    made = [
        await factories.placement_request(
            db, campaign_id=campaign.id, school_id=school_id, supervisor_id=supervisor.id
        )
        for _ in range(count)
    ]
    await db.commit()
    return [str(r.id) for r in made]


async def test_a_sync_sees_every_change_once_in_order_even_in_the_same_instant(
    school_client, service_client, db
):
    clock.freeze(T0)
    school_id = school_client.account.organisation_id
    setup = await ready(db, school_id)
    # Seven requests changed in the same instant, three a second later.
    first = await _requests(db, school_id, setup.supervisor, setup.campaign, 7)
    clock.shift(timedelta(seconds=1))
    later = await _requests(db, school_id, setup.supervisor, setup.campaign, 3)
    clock.shift(timedelta(minutes=5))

    items, cursor, pages = await sync(school_client, updated_since=(T0 - timedelta(hours=1)))
    ids = [i["id"] for i in items]
    assert len(ids) == len(set(ids)) == 10, "no row skipped or repeated across pages"
    assert set(ids[:7]) == set(first) and set(ids[7:]) == set(later)
    assert ids[:7] == sorted(ids[:7]), "equal timestamps are ordered by id"
    assert [len(p["items"]) for p in pages] == [3, 3, 3, 1]
    assert [p["total"] for p in pages] == [10, 7, 4, 1]  # the rows from the page's start on
    # The same from the start with sort=updated, and from `updated_since` at the second.
    assert [i["id"] for i in (await sync(school_client, sort="updated"))[0]] == ids
    since = (await sync(school_client, updated_since=T0 + timedelta(seconds=1)))[0]
    assert [i["id"] for i in since] == ids[7:]

    # Nothing changed: the next sync is empty and keeps its cursor.
    nothing, same, _ = await sync(school_client, cursor=cursor)
    assert nothing == [] and same == cursor

    # An edit, an invitation by a service and a withdrawal each move the request.
    clock.shift(timedelta(minutes=5))
    edited, invited, withdrawn = ids[0], ids[4], ids[8]
    read = await school_client.get(url(edited))
    patched = await school_client.patch(
        url(edited), json={"hours_per_week": 12}, headers={"If-Match": read.headers["ETag"]}
    )
    assert patched.status_code == 200, patched.text
    clock.shift(timedelta(seconds=1))
    assert (await invite(service_client, invited)).status_code == 201
    clock.shift(timedelta(seconds=1))
    assert (await school_client.delete(url(withdrawn))).status_code == 204
    clock.shift(timedelta(minutes=5))

    changed, cursor, _ = await sync(school_client, cursor=cursor)
    assert [(i["id"], i["status"]) for i in changed] == [
        (edited, "open"),
        (invited, "invited"),
        (withdrawn, "withdrawn"),
    ]
    assert changed[0]["hours_per_week"] == 12 and changed[0]["version"] == 2
    gone = changed[2]
    assert gone["actions"] == [] and gone["withdrawn_at"] is not None
    assert gone["national_number"]  # the key the school's system knows the pupil by
    # Withdrawn is the school's delete everywhere else: no detail, not in the overview.
    assert (await school_client.get(url(withdrawn))).status_code == 404
    overview = (await school_client.get(REQUESTS, params={"page_size": 200})).json()
    assert withdrawn not in {i["id"] for i in overview["items"]} and overview["total"] == 9
    listed = (await school_client.get(REQUESTS, params={"status": "withdrawn"})).json()
    assert [i["id"] for i in listed["items"]] == [withdrawn]
    assert overview["next_cursor"] is None and listed["next_cursor"] is None


async def test_every_step_of_a_service_moves_the_request_into_the_next_sync(
    school_client, service_client, db
):
    clock.freeze(T0)
    school_id = school_client.account.organisation_id
    setup = await ready(db, school_id)
    [request] = await _requests(db, school_id, setup.supervisor, setup.campaign, 1)
    clock.shift(timedelta(minutes=5))
    _, cursor, _ = await sync(school_client, sort="updated")
    steps = (
        (invite, 201, "invited"),
        (decline, 200, "open"),
        (invite, 201, "invited"),
        (accept, 200, "accepted"),
        (release, 200, "open"),
    )
    for step, code, status in steps:
        clock.shift(timedelta(minutes=5))
        assert (await step(service_client, request)).status_code == code
        clock.shift(timedelta(minutes=5))
        changed, cursor, _ = await sync(school_client, cursor=cursor)
        assert [(i["id"], i["status"]) for i in changed] == [(request, status)], step.__name__


async def test_the_last_moments_changes_come_again_rather_than_never(school_client, db):
    """A change stamped before a slower transaction commits: the cursor of a sync's last page
    stands a minute before now, so such a change is seen at the next sync."""
    clock.freeze(T0)
    school_id = school_client.account.organisation_id
    setup = await ready(db, school_id)
    [recent] = await _requests(db, school_id, setup.supervisor, setup.campaign, 1)
    items, cursor, _ = await sync(school_client, updated_since=T0 - timedelta(hours=1))
    assert [i["id"] for i in items] == [recent]
    again, cursor, _ = await sync(school_client, cursor=cursor)
    assert [(i["id"], i["version"]) for i in again] == [(recent, items[0]["version"])]
    clock.shift(timedelta(minutes=2))
    settled, _, _ = await sync(school_client, cursor=cursor)
    assert [i["id"] for i in settled] == [recent]
    _, cursor, _ = await sync(school_client, cursor=cursor)
    assert (await sync(school_client, cursor=cursor))[0] == []


async def test_a_sync_refuses_what_it_cannot_combine(school_client, db):
    await ready(db, school_client.account.organisation_id)
    since = {"updated_since": "2026-01-01T00:00:00Z"}
    for params, field in (
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({**since, "page": 2}, "page"),
        ({**since, "sort": "name"}, "sort"),
        ({"updated_since": "2026-01-01T00:00:00"}, "updated_since"),  # no time zone
    ):
        response = await school_client.get(REQUESTS, params=params)
        assert response.status_code == 422, params
        assert response.json()["code"] == "validation_error"
        assert [e["field"] for e in response.json()["errors"]] == [field], response.text


async def test_a_sync_shows_no_other_schools_requests_and_keeps_services_rules(
    school_client, other_school_client, service_client, db
):
    school_id = school_client.account.organisation_id
    setup = await ready(db, school_id)
    ids = await _requests(db, school_id, setup.supervisor, setup.campaign, 3)
    assert (await school_client.delete(url(ids[0]))).status_code == 204
    since = {"updated_since": "2000-01-01T00:00:00Z", "page_size": 200}

    theirs = (await other_school_client.get(REQUESTS, params=since)).json()
    assert theirs["items"] == [] and theirs["total"] == 0
    withdrawn = (await other_school_client.get(REQUESTS, params={"status": "withdrawn"})).json()
    assert withdrawn["total"] == 0

    # A service's sync is its lists in order of change: the withdrawn request it never
    # invited is not in it, as it is in none of its lists.
    service = (await service_client.get(REQUESTS, params=since)).json()
    browse = (await service_client.get(REQUESTS, params={"page_size": 200})).json()
    assert {i["id"] for i in service["items"]} == {i["id"] for i in browse["items"]}
    assert set(ids[1:]) <= {i["id"] for i in service["items"]} and ids[0] not in str(service)
    assert service["next_cursor"] and browse["next_cursor"] is None


async def test_a_school_finds_its_own_request_by_national_number(
    school_client, other_school_client, service_client, admin_client, db
):
    school_id = school_client.account.organisation_id
    setup = await ready(db, school_id)
    other = await factories.supervisor(db, other_school_client.account.organisation_id)
    await db.commit()
    number = factories.national_number()
    mine = await create(school_client, setup.supervisor_id, national_number=number)
    assert mine.status_code == 201, mine.text
    await create(school_client, setup.supervisor_id, first_name="Ander")
    # Another school entered the same pupil (never refused, never signalled).
    theirs = await create(other_school_client, other.id, national_number=number)
    assert theirs.status_code == 201, theirs.text

    for q in (number, format_national_number(number), f" {number[:6]} {number[6:9]} {number[9:]}"):
        found = (await school_client.get(REQUESTS, params={"q": q})).json()
        assert [i["id"] for i in found["items"]] == [mine.json()["id"]], q
        found = (await other_school_client.get(REQUESTS, params={"q": q})).json()
        assert [i["id"] for i in found["items"]] == [theirs.json()["id"]], q
    # Neither the admin nor a service finds a pupil by a number they are never shown.
    for client in (admin_client, service_client):
        found = (await client.get(REQUESTS, params={"q": number})).json()
        assert found["total"] == 0
    # Another number, and a number of the wrong length, find nothing.
    other_number = factories.national_number()
    assert (await school_client.get(REQUESTS, params={"q": other_number})).json()["total"] == 0
    assert (await school_client.get(REQUESTS, params={"q": number[:10]})).json()["total"] == 0


async def test_a_duplicate_names_the_schools_own_request(school_client, other_school_client, db):
    setup = await ready(db, school_client.account.organisation_id)
    other = await factories.supervisor(db, other_school_client.account.organisation_id)
    await db.commit()
    number = factories.national_number()
    # Another school's request of the pupil is never named (nor refused).
    theirs = await create(other_school_client, other.id, national_number=number)
    assert theirs.status_code == 201
    first = await create(school_client, setup.supervisor_id, national_number=number)
    assert first.status_code == 201, first.text

    again = await create(school_client, setup.supervisor_id, national_number=number)
    assert again.status_code == 409
    problem = again.json()
    assert problem["code"] == "duplicate_request"
    assert problem["existing_id"] == first.json()["id"]
    assert theirs.json()["id"] not in again.text

    # An edit to the number of another own request names that one.
    second = await create(school_client, setup.supervisor_id)
    edit = await school_client.patch(
        url(second.json()["id"]), json={"national_number": number}, headers={"If-Match": "1"}
    )
    assert edit.status_code == 409 and edit.json()["existing_id"] == first.json()["id"]
