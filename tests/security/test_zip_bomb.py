"""An XLSX file is a zip: a few hundred kilobytes can unpack to a hundred megabytes of XML,
which openpyxl would read into memory (the shared strings are read whole). The import
refuses a workbook that unpacks beyond its limit before reading any of it; a zip that lies
about its sizes cannot unpack beyond what it declares."""

import tracemalloc

from backend.placements.files import importing as import_export
from tests.schools_helpers import ready
from tests.security.spreadsheets import HEADER, shared_strings, sheet_xml, xlsx
from tests.test_import_export import IMPORT

UNPACKED = 100 * 1024 * 1024


async def _import(client, data: bytes):
    tracemalloc.start()
    try:
        response = await client.post(
            IMPORT,
            params={"track": "duaal", "dry_run": "true"},
            files={"file": ("pupils.xlsx", data, "application/octet-stream")},
        )
        return response, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


async def test_a_workbook_that_unpacks_to_100_mb_is_refused_unread(school_client, db):
    await ready(db, school_client.account.organisation_id)
    bomb = xlsx(sheet_xml(HEADER), strings=shared_strings("A" * UNPACKED))
    assert len(bomb) < import_export.MAX_BYTES // 10

    response, peak = await _import(school_client, bomb)

    assert peak < 20 * 1024 * 1024, f"{peak / 1e6:.0f} MB"
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "import_too_large"

    # The same bomb declaring a small size: zipfile unpacks no more than declared, so what
    # openpyxl reads is cut short and the file is unreadable, still without the memory.
    liar = xlsx(
        sheet_xml(HEADER),
        strings=shared_strings("A" * UNPACKED),
        sizes={"xl/sharedStrings.xml": 1024},
    )
    response, peak = await _import(school_client, liar)

    assert peak < 20 * 1024 * 1024, f"{peak / 1e6:.0f} MB"
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "import_unreadable"
