"""CSV and XLSX downloads of a table (exports). The file is built in a worker thread: a
large export would otherwise hold the event loop, and every other request with it."""

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, Literal

import anyio.to_thread
from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from backend.clock import BRUSSELS

Format = Literal["csv", "xlsx"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# What no spreadsheet file can hold: the control characters XML 1.0 forbids (openpyxl refuses
# them with an error, so one such character in one name would fail the whole export) and
# U+FFFE/U+FFFF. Inputs refuse them (backend/schemas.py); rows stored before that, or by other
# means, are written with U+FFFD in their place.
UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# A day as strftime writes it: ISO unless the caller's language writes it otherwise
# (dd/mm/yyyy for Dutch, backend/placements/files/words.py).
ISO_DAY = "%Y-%m-%d"
_XLSX_DAY = {"%d/%m/%Y": "dd/mm/yyyy", ISO_DAY: "yyyy-mm-dd"}
PHONE = re.compile(r"\+\d{6,15}")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# The `responses=` of an endpoint that answers a file: CSV or XLSX, typed as binary.
FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The file (CSV in UTF-8 with `;`, or XLSX), as an attachment",
        "content": {
            m: {"schema": {"type": "string", "format": "binary"}} for m in MEDIA_TYPES.values()
        },
    }
}


def _writable(value: Any) -> Any:
    if isinstance(value, list | tuple):
        value = ", ".join(map(str, value))
    if isinstance(value, str):
        return UNWRITABLE.sub("\ufffd", value)
    return value


def _cell(value: Any, day_format: str = ISO_DAY) -> Any:
    value = _writable(value)
    if isinstance(value, datetime):
        return value.astimezone(BRUSSELS).strftime(f"{day_format} %H:%M")
    if isinstance(value, date):
        return value.strftime(day_format)
    if value is None:
        return ""
    # Spreadsheet formula injection: a CSV cell starting with these would run as a formula.
    # A phone number in E.164 (+32…) is only digits after its plus: no formula.
    if isinstance(value, str) and value[:1] in FORMULA_STARTS and not PHONE.fullmatch(value):
        return "'" + value
    return value


def to_csv(
    header: Sequence[str], rows: Iterable[Sequence[Any]], day_format: str = ISO_DAY
) -> bytes:
    buffer = io.StringIO()
    # Semicolons and a BOM: what Excel in a Belgian locale opens correctly.
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v, day_format) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    title: str = "Export",
    day_format: str = ISO_DAY,
) -> bytes:
    workbook = Workbook(write_only=True)
    sheet: WriteOnlyWorksheet = workbook.create_sheet(title[:31])
    sheet.append(list(header))
    shown_as = _XLSX_DAY.get(day_format, "yyyy-mm-dd")
    for row in rows:
        sheet.append([_xlsx_cell(sheet, v, shown_as) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: Any, shown_as: str) -> Any:
    value = _writable(value)
    if isinstance(value, date):
        # A real date (a spreadsheet sorts and counts with it), shown in the file's language.
        cell = WriteOnlyCell(sheet, value=_naive(value))
        cell.number_format = shown_as if not isinstance(value, datetime) else f"{shown_as} hh:mm"
        return cell
    if isinstance(value, str) and value.startswith("="):
        # openpyxl would store this as a formula; typed as a string, Excel shows the text.
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return _naive(value)


def _naive(value: Any) -> Any:
    # Excel has no time zones: datetimes are written in Brussels local time.
    if getattr(value, "tzinfo", None) is not None:
        return value.astimezone(BRUSSELS).replace(tzinfo=None)
    return value


def _file(
    fmt: Format, filename: str, header: Sequence[str], rows: list[Sequence[Any]], day_format: str
) -> bytes:
    if fmt == "csv":
        return to_csv(header, rows, day_format)
    return to_xlsx(header, rows, filename, day_format)


async def download(
    fmt: Format,
    filename: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    day_format: str = ISO_DAY,
) -> Response:
    """The table as a file to download, built off the event loop; days (and moments, with
    their time) written with `day_format`."""
    body = await anyio.to_thread.run_sync(_file, fmt, filename, header, list(rows), day_format)
    return Response(
        body,
        media_type=MEDIA_TYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{filename}.{fmt}"',
            "Cache-Control": "no-store",
        },
    )
