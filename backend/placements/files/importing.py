"""A school's bulk import of requests (CSV or XLSX in the template's columns) and the export
of its overview. The import is all or nothing: one bad row and no row goes in.

Import decisions: the track is a query parameter (one file, one campaign); the supervisor is
named by its e-mail address (`supervisor_email`), which the school knows and which is unique
enough; lists (`transport_modes`, `days`) are separated by commas, semicolons or spaces, and
headers and values may be the codes or the words of either language, as the exports write
them (`Voornaam`, `fiets`, `Openbaar vervoer`, `ma`, `dinsdag`, `West-Vlaanderen`: the one
table of `words.py`), and an export's other columns (status, invited_by ...) are ignored, so
an exported file imports again; dates are ISO (2026-09-01) or Belgian (01/09/2026); rows are
numbered as the spreadsheet shows them (the header is row 1)."""

import contextlib
import csv
import functools
import io
import re
import uuid
import zipfile
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any

import anyio
from openpyxl import load_workbook
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend import clock, crypto
from backend.auth.deps import Actor
from backend.campaigns.models import Campaign
from backend.errors import DomainError, error
from backend.placements import live
from backend.placements.files import words
from backend.placements.models import PlacementRequest, RequestEvent, RequestState
from backend.placements.schemas import RequestCreate
from backend.placements.school import requests as school_requests
from backend.placements.school import validation
from backend.placements.transitions import TABLE, Action
from backend.reference.contact import EmailError, normalize_email
from backend.supervisors.models import Supervisor

ImportInvalid = error(422, "import_invalid", "Some rows are not valid; no row was imported")
ImportUnreadable = error(422, "import_unreadable", "The file cannot be read")
ImportTooLarge = error(422, "import_too_large", "The file holds more than one import takes")

# Whatever a file declares (its size, its sheet's dimension), reading it stays within these:
# the upload itself, the rows kept, the columns read, and what an XLSX (a zip) may unpack to.
Row = tuple[int, dict[str, Any]]  # a row's number in the file, and its cells by column

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_UNPACKED_BYTES = 32 * 1024 * 1024
# Excel's last row: openpyxl is never asked to count empty rows beyond it.
LAST_SHEET_ROW = 1_048_576
# Parsing is CPU work: it runs in threads, a few at a time, never on the event loop.
_PARSERS = anyio.CapacityLimiter(2)

COLUMNS = (
    "first_name",
    "last_name",
    "national_number",
    "street",
    "postcode",
    "city",
    "province",
    "phone",
    "email",
    "transport_modes",
    "remarks",
    "supervisor_email",
    "start_date",
    "end_date",
    "hours_per_week",
    "days",
    "form",
)
# The template's columns and as many again; cells further right are not read.
MAX_COLUMNS = 2 * len(COLUMNS)
REQUIRED_COLUMNS = frozenset(COLUMNS) - {"province", "remarks", "start_date", "end_date", "form"}
_LIST_COLUMNS = ("transport_modes", "days")
# Coded columns whose cell is one word (Dutch, English or the code): `words.code_of`.
_CODED_COLUMNS = ("form", "province")


_BELGIAN_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")

XLSX_MAGIC = b"PK\x03\x04"


# --- reading the file -----------------------------------------------------------------------


def _decode(data: bytes) -> str:
    # Excel on Windows saves "CSV" in the ANSI code page.
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportUnreadable("The file is neither an XLSX file nor UTF-8 or Windows-1252 text")


def _csv_rows(data: bytes) -> Generator[Sequence[Any]]:
    text = _decode(data)
    first_line = text[:4096].splitlines()[0] if text.strip() else ""
    try:
        delimiter = csv.Sniffer().sniff(first_line, delimiters=";,").delimiter
    except csv.Error:
        delimiter = ";"
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        yield from reader
    except csv.Error as exc:
        # A cell beyond the csv module's limit (128 KB), which no field comes near, lands here.
        raise ImportUnreadable(f"Line {reader.line_num}: {exc}") from exc


def _xlsx_rows(data: bytes) -> Generator[Sequence[Any]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            # zipfile never unpacks a member beyond the size it declares, so the declared
            # sizes bound what openpyxl reads, whatever the compression ratio.
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ImportUnreadable("Not a readable XLSX file") from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise ImportTooLarge(
            f"The XLSX file unpacks to more than {MAX_UNPACKED_BYTES // (1024 * 1024)} MB"
        )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
        try:
            sheet = workbook.worksheets[0]
            # The declared dimension is the file's claim, not its content: rows are streamed
            # at most MAX_COLUMNS wide, empty rows are not built, and reading stops at the
            # limits (read_table) instead of filling out a sheet of a million rows.
            sheet.reset_dimensions()
            yield from sheet.iter_rows(
                max_col=MAX_COLUMNS, max_row=LAST_SHEET_ROW, values_only=True
            )
        finally:
            workbook.close()
    except DomainError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise ImportUnreadable("Not a readable XLSX file") from exc


def _is_empty(cells: Sequence[Any]) -> bool:
    # The count is a quick answer for the (many) rows of nothing but None.
    return cells.count(None) == len(cells) or all(c is None or str(c).strip() == "" for c in cells)


def _columns(cells: Sequence[Any]) -> tuple[list[str], list[str]]:
    """The header's columns (from codes or either language's words; "" for a cell that
    names none) and the unknown headers. A column of an export the import does not read
    (status, invited_by ...) is known and ignored."""
    columns, unknown = [], set()
    for cell in cells:
        text = str(cell or "").strip()
        column = words.column_of(text) if text else None
        if text and column is None:
            unknown.add(text.lower())
        columns.append(column or "")
    return columns, sorted(unknown)


def read_table(data: bytes, filename: str | None) -> tuple[list[str], list[Row]]:
    """The header and the non-empty rows (with their spreadsheet row number) of a file, read
    as a stream within the limits above. Blocking: call it in a thread (`parse`)."""
    if len(data) > MAX_BYTES:
        raise ImportTooLarge(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    if not data.strip():
        raise ImportUnreadable("The file is empty")
    is_xlsx = data.startswith(XLSX_MAGIC) or (filename or "").lower().endswith(".xlsx")
    with contextlib.closing(_xlsx_rows(data) if is_xlsx else _csv_rows(data)) as table:
        first = next(table, None)
        if first is None:
            raise ImportUnreadable("The file is empty")
        header, unknown = _columns(first[:MAX_COLUMNS])
        missing = sorted(REQUIRED_COLUMNS - set(header))
        if missing or unknown:
            raise ImportUnreadable(
                "The columns do not match the template",
                missing_columns=missing,
                unknown_columns=unknown,
            )
        rows: list[Row] = []
        for number, cells in enumerate(table, start=2):
            if _is_empty(cells):
                continue
            if len(rows) == MAX_ROWS:
                raise ImportTooLarge(f"At most {MAX_ROWS} rows per file")
            rows.append(
                (
                    number,
                    {
                        h: cells[i] if i < len(cells) else None
                        for i, h in enumerate(header)
                        if h in COLUMNS
                    },
                )
            )
    return header, rows


async def parse(data: bytes, filename: str | None) -> tuple[list[str], list[Row]]:
    """read_table in a worker thread, at most a few files at a time."""
    return await anyio.to_thread.run_sync(read_table, data, filename, limiter=_PARSERS)


# --- one row to the fields of a request -----------------------------------------------------


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    # Our own exports guard cells against formula injection with a leading apostrophe.
    return text.removeprefix("'") or None


def _date(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if text is None:
        return None
    found = _BELGIAN_DATE.fullmatch(text)
    if found:
        day, month, year = found.groups()
        return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"
    return text  # Pydantic names it when it is no date


def _fields(cells: dict[str, Any], track: str) -> dict[str, Any]:
    fields: dict[str, Any] = {"track": track}
    for column in COLUMNS:
        value = cells.get(column)
        if column in _LIST_COLUMNS:
            fields[column] = words.codes_of(column, _text(value))
        elif column in ("start_date", "end_date"):
            fields[column] = _date(value)
        elif column in _CODED_COLUMNS:
            text = _text(value)
            fields[column] = words.code_of(column, text) if text else None
        elif column != "supervisor_email":
            fields[column] = _text(value)
    for optional in ("province", "remarks"):
        if fields.get(optional) is None:
            fields.pop(optional, None)
    return fields


# One validator per field, so that a row's bad field does not hide the others' errors.
_FIELD_ADAPTERS: dict[str, tuple[TypeAdapter[Any], bool]] = {
    name: (TypeAdapter(Annotated[info.annotation, info]), info.is_required())  # type: ignore[arg-type]  # a field's annotation is a runtime type
    for name, info in RequestCreate.model_fields.items()
}


def _typed(fields: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The row's fields with their types (as RequestCreate checks them), and the errors."""
    typed: dict[str, Any] = {}
    errors: list[dict[str, str]] = []
    for name, (adapter, required) in _FIELD_ADAPTERS.items():
        if fields.get(name) is None:
            if required:
                errors.append({"field": name, "code": "missing", "message": "Field required"})
            else:
                typed[name] = None
            continue
        try:
            typed[name] = adapter.validate_python(fields[name])
        except ValidationError as exc:
            for e in exc.errors():
                field = ".".join([name, *(str(p) for p in e["loc"])])
                errors.append({"field": field, "code": e["type"], "message": e["msg"]})
    return typed, errors


@dataclass(frozen=True, slots=True)
class Existing:
    """One of the school's requests in the campaign, as the import compares a row with it."""

    id: uuid.UUID
    state: RequestState
    version: int
    columns: dict[str, Any]


@dataclass
class Checked:
    """What the rows do: the reports by row, the errors, the requests to create and the
    changes to write (request, its version read, the changed columns)."""

    results: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    creates: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    updates: list[tuple[int, Existing, dict[str, Any]]] = field(default_factory=list)


# What a row may change of a request (the form's editable columns; the national number is
# the key the row is matched by, so it never changes).
_UPDATABLE = tuple(
    c for c in school_requests.EDITABLE_COLUMNS if not c.startswith("national_number")
)


async def check_rows(
    session: AsyncSession, actor: Actor, track: str, rows: list[Row], mode: str = "create_only"
) -> Checked:
    """Validates every row like a single request, and decides what each does in `mode`."""
    campaign = await school_requests.open_campaign(session, track)
    supervisors = {
        s.email.lower(): s.id
        for s in await session.scalars(
            select(Supervisor).where(Supervisor.school_id == actor.organisation_id)
        )
    }
    # The school's own pupils only: another school's never show in the report (SPEC 4). A
    # withdrawn request carries a hash no number has (school.requests.withdrawn_hash).
    found = await session.execute(
        select(
            PlacementRequest.national_number_hash,
            PlacementRequest.id,
            PlacementRequest.state,
            PlacementRequest.version,
            *(getattr(PlacementRequest, c) for c in _UPDATABLE),
        ).where(
            PlacementRequest.campaign_id == campaign.id,
            PlacementRequest.school_id == actor.organisation_id,
        )
    )
    existing = {
        row.national_number_hash: Existing(
            row.id, row.state, row.version, {c: getattr(row, c) for c in _UPDATABLE}
        )
        for row in found
    }
    # The rows' checks are CPU work (a second for 5,000 rows): in a thread, like the parsing.
    check = functools.partial(
        _check_rows,
        rows,
        track=track,
        campaign=campaign,
        supervisors=supervisors,
        existing=existing,
        mode=mode,
    )
    return await anyio.to_thread.run_sync(check, limiter=_PARSERS)


def _check_rows(
    rows: list[Row],
    *,
    track: str,
    campaign: Any,
    supervisors: dict[str, uuid.UUID],
    existing: dict[str, Existing],
    mode: str,
) -> Checked:
    """check_rows' work without the database: every row against the fields' rules, the
    school's supervisors (by e-mail) and the pupils already in the campaign (by hash)."""
    supervisor_ids = set(supervisors.values())
    seen: dict[str, int] = {}
    checked = Checked()
    editable = TABLE[Action.edit].states
    for number, cells in rows:
        values, row_errors = _row_values(cells, track, campaign, supervisors, supervisor_ids)
        report: dict[str, Any] = {"row": number, "result": "refused", "id": None}
        if not row_errors:
            national_number = values["national_number"]
            match = next(
                (existing[h] for h in crypto.blind_indexes(national_number) if h in existing),
                None,
            )
            earlier = seen.get(crypto.blind_index(national_number))
            if earlier is not None:
                row_errors.append(_in_file(earlier))
            elif match is None:
                report["result"] = "created"
                checked.creates.append((number, values))
            elif mode == "create_only":
                row_errors.append(_duplicate_request(match.id))
            else:
                report["id"] = match.id
                changes = _changes(match, values) if mode == "create_or_update" else {}
                if changes and match.state not in editable:
                    report.update(result="unchanged", code="request_locked")
                elif changes:
                    # The fields as the form names them (coordinates follow the postcode).
                    fields = sorted(c for c in changes if c not in ("latitude", "longitude"))
                    report.update(result="updated", fields=fields)
                    checked.updates.append((number, match, changes))
                else:
                    report["result"] = "unchanged"
            seen[crypto.blind_index(national_number)] = number
        checked.errors += [{"row": number, **e} for e in row_errors]
        if row_errors:
            report.update(result="refused", id=None)
            report.pop("fields", None)
        checked.results.append(report)
    return checked


def _changes(match: Existing, values: dict[str, Any]) -> dict[str, Any]:
    """The columns whose value the row changes (as the form's edit would store them)."""
    return {c: values[c] for c in _UPDATABLE if c in values and values[c] != match.columns[c]}


def _duplicate_request(existing_id: uuid.UUID) -> dict[str, Any]:
    return {
        "field": "national_number",
        "code": "duplicate_request",
        "message": "Your school already entered this pupil in the campaign",
        "existing_id": existing_id,
    }


def _in_file(earlier: int) -> dict[str, str]:
    return {
        "field": "national_number",
        "code": "duplicate_in_file",
        "message": f"The same pupil as row {earlier}",
    }


def _supervisor_of(
    cells: dict[str, Any], supervisors: dict[str, uuid.UUID]
) -> tuple[uuid.UUID | None, list[dict[str, str]]]:
    """The row's supervisor, named by e-mail among the school's own."""
    email = _text(cells.get("supervisor_email"))
    if not email:
        return None, [{"field": "supervisor_email", "code": "required", "message": "Required"}]
    try:
        supervisor_id = supervisors.get(normalize_email(email).lower())
    except EmailError:
        supervisor_id = None
    if supervisor_id is None:
        return None, [
            {
                "field": "supervisor_email",
                "code": "unknown_supervisor",
                "message": "No supervisor of the school has this e-mail address",
            }
        ]
    return supervisor_id, []


def _row_values(
    cells: dict[str, Any],
    track: str,
    campaign: Any,
    supervisors: dict[str, uuid.UUID],
    supervisor_ids: set[uuid.UUID],
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """One row's values as the form would store them, and its errors by field."""
    fields = _fields(cells, track)
    supervisor_id, row_errors = _supervisor_of(cells, supervisors)
    # A placeholder id lets Pydantic check the rest; the supervisor is reported above.
    fields["supervisor_id"] = supervisor_id or uuid.UUID(int=0)
    typed, shape_errors = _typed(fields)
    row_errors += shape_errors
    bad_fields = {e["field"].split(".")[0] for e in row_errors}
    typed.pop("track", None)
    values, domain_errors = validation.field_errors(
        {k: v for k, v in typed.items() if k not in bad_fields},
        campaign=campaign,
        supervisor_ids=supervisor_ids | {uuid.UUID(int=0)},
    )
    # A field already reported by its shape is not reported again as missing.
    row_errors += [e for e in domain_errors if e["field"] not in bad_fields]
    return values, row_errors


async def import_requests(
    session: AsyncSession,
    actor: Actor,
    track: str,
    data: bytes,
    filename: str | None,
    *,
    dry_run: bool,
    mode: str = "create_only",
) -> dict[str, Any]:
    """Checks every row and decides what it does in `mode` (create_only: a pupil the school
    already entered refuses the row; create_or_update: updates its request; skip_existing:
    leaves it); without `dry_run` writes all of it, or nothing when any row is refused."""
    _, rows = await parse(data, filename)
    checked = await check_rows(session, actor, track, rows, mode)
    if not dry_run and not checked.errors:
        await _write(session, actor, track, checked)
    report = _report(rows, checked, dry_run=dry_run, mode=mode)
    if checked.errors and not dry_run:
        raise ImportInvalid(**report)
    return report


def _report(rows: list[Row], checked: Checked, *, dry_run: bool, mode: str) -> dict[str, Any]:
    results = checked.results
    counts = {r: sum(1 for x in results if x["result"] == r) for r in _RESULTS}
    return {
        "rows": len(rows),
        "valid": len(rows) - counts["refused"],
        "dry_run": dry_run,
        "mode": mode,
        **counts,
        "errors": [_jsonable(e) for e in checked.errors],
        "results": [_jsonable(r) for r in results],
    }


_RESULTS = ("created", "updated", "unchanged", "refused")


def _jsonable(item: dict[str, Any]) -> dict[str, Any]:
    # The report is also a problem's members (422), which are encoded as they are.
    return {k: str(v) if isinstance(v, uuid.UUID) else v for k, v in item.items()}


async def _write(session: AsyncSession, actor: Actor, track: str, checked: Checked) -> None:
    """The rows' creates (one executemany per table) and updates (each a conditional UPDATE
    at the version read, as the form's edit), with their history; the ids into the report."""
    if not checked.creates and not checked.updates:
        return
    campaign = await school_requests.open_campaign(session, track)
    now = clock.now()
    events: list[dict[str, Any]] = []
    by_row = {r["row"]: r for r in checked.results}
    if checked.creates:
        request_rows, event_rows = _insert_rows(
            actor, campaign, [values for _, values in checked.creates], now
        )
        # One executemany per table: 200 rows are two statements, not 400.
        await school_requests.insert_unique(session, insert(PlacementRequest), request_rows)
        events += event_rows
        for (number, _), request_row in zip(checked.creates, request_rows, strict=True):
            by_row[number]["id"] = request_row["id"]
    for number, match, changes in checked.updates:
        await school_requests.write_import_update(session, match.id, match.version, changes, now)
        events.append(_event(actor, match.id, now, "updated", fields=by_row[number]["fields"]))
    await session.execute(insert(RequestEvent), events)
    live.request_changed(
        session,
        request_id=events[0]["request_id"],
        school_id=actor.organisation_id,
        kind="imported",
        available=True,
    )


def _event(
    actor: Actor, request_id: uuid.UUID, now: datetime, kind: str, **details: Any
) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "request_id": request_id,
        "at": now,
        "kind": kind,
        "actor_user_id": actor.user.id,
        "actor_organisation_id": actor.organisation_id,
        "details": {**details, "via": "import"},
    }


def _insert_rows(
    actor: Actor, campaign: Campaign, storable: list[dict[str, Any]], now: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows of placement_request (national numbers encrypted) and of their history; a
    new request is in the campaign's current round."""
    request_rows, event_rows = [], []
    for values in storable:
        request_id = uuid.uuid4()
        number = values.pop("national_number")
        request_rows.append(
            {
                "id": request_id,
                "campaign_id": campaign.id,
                "round": campaign.round,
                "school_id": actor.organisation_id,
                "national_number_encrypted": crypto.encrypt(number),
                "national_number_hash": crypto.blind_index(number),
                "state": RequestState.open,
                "version": 1,
                "created_at": now,
                "updated_at": now,
                "withdrawn_at": None,
                "accepted_service_id": None,
                "start_date": None,
                "end_date": None,
                "form": None,
                "remarks": None,
                **values,
            }
        )
        event_rows.append(_event(actor, request_id, now, "created"))
    return request_rows, event_rows
