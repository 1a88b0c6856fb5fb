"""A spreadsheet of a few kilobytes that declares a sheet of a million rows by 16,384 columns,
or holds a row at the sheet's very end, or a great many sparse rows: the import reads it with
memory and time bounded by its own limits, never by the file's claims, and parses off the
event loop, so that other requests keep being answered meanwhile."""

import asyncio
import io
import time
import tracemalloc

from openpyxl import Workbook

from backend.placements.files import importing as import_export
from tests.schools_helpers import ready
from tests.security.spreadsheets import HEADER, column_letter, sheet_xml, text_row, xlsx
from tests.test_import_export import COLUMNS, IMPORT, _row

LAST_ROW = 1_048_576


async def _import(client, data: bytes, *, dry_run: bool = True):
    return await client.post(
        IMPORT,
        params={"track": "duaal", "dry_run": str(dry_run).lower()},
        files={"file": ("pupils.xlsx", data, "application/octet-stream")},
    )


async def _peak_memory(request) -> tuple[object, int]:
    """The response of `request()` and the most memory Python held meanwhile (all threads)."""
    tracemalloc.start()
    try:
        response = await request()
        return response, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


async def test_a_declared_huge_sheet_costs_no_memory(school_client, db):
    await ready(db, school_client.account.organisation_id)
    # The dimension claims every cell of a sheet; one cell sits in its very last row and column.
    data = xlsx(
        sheet_xml(
            HEADER + f'<row r="{LAST_ROW}"><c r="XFD{LAST_ROW}"><v>1</v></c></row>',
            dimension=f"A1:XFD{LAST_ROW}",
        )
    )
    assert len(data) < 2048

    response, peak = await _peak_memory(lambda: _import(school_client, data))

    assert response.status_code == 200, response.text
    assert response.json()["rows"] == 0  # the one cell lies beyond the columns read
    assert peak < 50 * 1024 * 1024, f"{peak / 1e6:.0f} MB"


async def test_a_row_far_beyond_the_last_row_is_not_counted_out(school_client, db):
    await ready(db, school_client.account.organisation_id)
    data = xlsx(sheet_xml(HEADER + text_row(2_000_000_000, ["Jan"]), dimension="A1:A1"))

    started = time.monotonic()
    response, peak = await _peak_memory(lambda: _import(school_client, data))

    assert response.status_code == 200, response.text
    assert response.json()["rows"] == 0
    assert peak < 50 * 1024 * 1024, f"{peak / 1e6:.0f} MB"
    assert time.monotonic() - started < 30


async def test_many_sparse_rows_stop_at_the_row_limit(school_client, db):
    await ready(db, school_client.account.organisation_id)
    # Every row holds one cell, each a hundred rows apart: rows beyond the limit of kept
    # rows are refused as soon as they are met, not after the sheet was read whole.
    rows = "".join(text_row(2 + 100 * i, ["Jan"]) for i in range(import_export.MAX_ROWS + 500))
    data = xlsx(sheet_xml(HEADER + rows, dimension=f"A1:{column_letter(16384)}{LAST_ROW}"))

    response, peak = await _peak_memory(lambda: _import(school_client, data))

    assert response.status_code == 422, response.text
    assert response.json()["code"] == "import_too_large"
    assert str(import_export.MAX_ROWS) in response.json()["detail"]
    assert peak < 100 * 1024 * 1024, f"{peak / 1e6:.0f} MB"


async def test_a_broken_sheet_is_unreadable_not_a_server_error(school_client, db):
    await ready(db, school_client.account.organisation_id)
    # The zip and the workbook are fine; the sheet's XML breaks off after the header.
    data = xlsx(sheet_xml(HEADER)[:-40] + "<row r='2'><c r='A2' t='n'><v>één</v>")

    response = await _import(school_client, data)

    assert response.status_code == 422, response.text
    assert response.json()["code"] == "import_unreadable"


async def test_other_requests_are_answered_while_a_large_file_is_read(school_client, client, db):
    setup = await ready(db, school_client.account.organisation_id)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(COLUMNS)
    for i in range(import_export.MAX_ROWS):
        row = _row(i, setup.supervisor.email)
        sheet.append([row[c] for c in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)

    started_import = time.monotonic()
    importing = asyncio.create_task(_import(school_client, buffer.getvalue()))
    waits = []
    while not importing.done():
        started = time.monotonic()
        assert (await client.get("/healthz")).status_code == 200
        waits.append(time.monotonic() - started)
        await asyncio.sleep(0.02)
    response = await importing
    took = time.monotonic() - started_import

    assert response.status_code == 200, response.text
    assert response.json()["rows"] == import_export.MAX_ROWS
    # Reading and checking 5,000 rows takes seconds. On the event loop, that would hold up a
    # /healthz for most of it; off it, a wait is a garbage collection's pause at most. (A
    # share of the whole, so that a machine busy with other work slows both alike.)
    assert len(waits) >= 10, waits
    assert max(waits) < 0.25 * took, f"a /healthz waited {max(waits):.2f} s of {took:.2f} s"
