"""CSV files the csv module or the decoder chokes on: a cell beyond the csv module's field
limit, bytes that are text in no supported encoding. They are unreadable files (422 with a
code), not server errors. A file of millions of (empty) lines is read as a stream and
refused at the row limit, never held whole."""

import tracemalloc

from backend.placements.files import importing as import_export
from tests.schools_helpers import ready
from tests.test_import_export import IMPORT, _csv, _row


async def _import(client, data: bytes, name: str = "pupils.csv"):
    return await client.post(
        IMPORT,
        params={"track": "duaal", "dry_run": "true"},
        files={"file": (name, data, "text/csv")},
    )


async def test_a_cell_beyond_the_csv_field_limit_is_unreadable(school_client, db):
    setup = await ready(db, school_client.account.organisation_id)
    row = _row(1, setup.supervisor.email)
    row["remarks"] = "x" * 200_000  # the csv module stops at 131,072 characters

    response = await _import(school_client, _csv([row]))

    assert response.status_code == 422, response.text
    assert response.json()["code"] == "import_unreadable"
    assert response.json()["detail"].startswith("Line 2:")


async def test_bytes_of_no_supported_encoding_are_unreadable(school_client, db):
    await ready(db, school_client.account.organisation_id)
    # Not UTF-8, and 0x81, 0x8D, 0x8F, 0x90 and 0x9D are no characters of Windows-1252.
    data = _csv([]) + b"\x81\x8d\x8f\x90\x9d;\xff\xfe\n"

    response = await _import(school_client, data)

    assert response.status_code == 422, response.text
    assert response.json()["code"] == "import_unreadable"


async def test_millions_of_lines_are_refused_at_the_row_limit_as_they_stream(school_client, db):
    await ready(db, school_client.account.organisation_id)
    # 5 MB: the header, two million empty lines, then a million one-letter rows.
    data = _csv([]) + b"\n" * 2_000_000 + b"a\n" * 1_000_000
    assert len(data) <= import_export.MAX_BYTES

    tracemalloc.start()
    try:
        response = await _import(school_client, data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    # The file and its decoded text, not a list of three million rows.
    assert peak < 50 * 1024 * 1024, f"{peak / 1e6:.0f} MB"
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "import_too_large"
