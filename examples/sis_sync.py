#!/usr/bin/env python3
"""A school's information system talking to Stagematch with an API token (see
docs/integrations.md): import pupils from a CSV file, then follow what changes.

    export STAGEMATCH_URL=https://stagematch.example.be
    export STAGEMATCH_TOKEN=smt_...            # Stagematch: Account > API tokens
    python examples/sis_sync.py import examples/pupils.csv --track duaal
    python examples/sis_sync.py status --track duaal --state var/statuses.json

`import` checks the file first (`dry_run=true`) and imports only when every row is valid:
all rows go in, or none. By default (`--mode create_or_update`) the file may be the whole
list every night: pupils already imported are updated or left unchanged, new ones created.
`status` reads the requests in order of change; with `--state` it keeps the sync's cursor
and asks only what changed since the previous run (a withdrawn request comes as withdrawn).
Needs httpx (`pip install httpx`). Exit codes: 0 done, 1 refused by the server, 2 rows with
errors."""

import argparse
import json
import os
import sys
import time
from pathlib import Path

import httpx

PAGE_SIZE = 200  # the API's maximum


def client_from_env() -> httpx.Client:
    token = os.environ.get("STAGEMATCH_TOKEN")
    if not token:
        sys.exit("Set STAGEMATCH_TOKEN to an API token (smt_...)")
    return httpx.Client(
        base_url=os.environ.get("STAGEMATCH_URL", "http://127.0.0.1:8000").rstrip("/") + "/api/v1",
        headers={"Authorization": f"Bearer {token}", "User-Agent": "sis-sync-example/1.0"},
        timeout=30,
    )


def fail(response: httpx.Response) -> int:
    """Prints a problem+json answer (code, title, request id for the helpdesk); returns 1."""
    try:
        problem = response.json()
    except ValueError:
        problem = {"code": "http_error", "title": response.text[:200]}
    print(
        f"error {response.status_code} {problem.get('code')}: {problem.get('title')}"
        f" {problem.get('detail', '')} (X-Request-ID {response.headers.get('x-request-id')})",
        file=sys.stderr,
    )
    return 1


def whoami(api: httpx.Client) -> dict | None:
    response = api.get("/me")
    if response.status_code != 200:
        fail(response)
        return None
    me = response.json()
    print(f"signed in for {me['organisation']['name']} ({me['role']})")
    return me


def import_pupils(api: httpx.Client, path: Path, track: str, mode: str) -> int:
    content = path.read_bytes()

    def send(dry_run: bool) -> httpx.Response:
        return api.post(
            "/placement-requests/import",
            params={"track": track, "dry_run": str(dry_run).lower(), "mode": mode},
            files={"file": (path.name, content, "text/csv")},
        )

    check = send(dry_run=True)
    if check.status_code != 200:
        return fail(check)
    report = check.json()
    print(f"checked {report['rows']} rows: {report['valid']} valid")
    if report["errors"]:
        for e in report["errors"]:
            existing = f", request {e['existing_id']}" if e.get("existing_id") else ""
            print(f"  row {e['row']}, {e['field']}: {e['code']} ({e['message']}{existing})")
        return 2
    done = send(dry_run=False)
    if done.status_code != 200:
        return fail(done)
    report = done.json()
    for row in report["results"]:
        if row["result"] == "updated":
            print(f"  row {row['row']}: updated {', '.join(row['fields'])} ({row['id']})")
    print(
        f"imported: {report['created']} created, {report['updated']} updated,"
        f" {report['unchanged']} unchanged"
    )
    return 0


def changes(api: httpx.Client, track: str | None, cursor: str | None) -> tuple[list[dict], str]:
    """The school's requests changed after `cursor` (all of them without one), in order of
    change, following the pages; and the cursor to keep for the next run. A change of the
    last minute may come again next time: keep the latest of each request."""
    found = []
    params: dict = {"page_size": PAGE_SIZE}
    if track:
        params["track"] = track  # (the same filters on every page)
    page = {**params, "cursor": cursor} if cursor else {**params, "sort": "updated"}
    while True:
        response = api.get("/placement-requests", params=page)
        response.raise_for_status()
        body = response.json()
        found += body["items"]
        if not body["has_more"]:
            return found, body["next_cursor"]
        page = {**params, "cursor": body["next_cursor"]}


def describe(request: dict) -> str:
    """The status as the school's overview shows it."""
    if request["status"] == "accepted":
        acceptance = request["acceptance"]
        contact = acceptance["contact_person"]
        return f"accepted by {acceptance['service']['name']} (contact {contact['name']})"
    if request["status"] == "invited":
        names = [i["service"]["name"] for i in request["invitations"] if i["outcome"] == "pending"]
        return "invited by " + ", ".join(names)
    return request["status"]  # open, not_placed, withdrawn


def show_statuses(api: httpx.Client, track: str | None, state: Path | None) -> int:
    saved = json.loads(state.read_text()) if state and state.exists() else {}
    known: dict[str, str] = saved.get("requests", {})
    changed = 0
    found, cursor = changes(api, track, saved.get("cursor"))
    for request in found:
        key = request["id"]
        line = f"{request['last_name']} {request['first_name']}: {describe(request)}"
        if known.get(key) != line:
            print(line)
            changed += 1
        if request["status"] == "withdrawn":
            known.pop(key, None)  # the school withdrew it: it is gone from every other list
        else:
            known[key] = line
    print(f"{len(known)} requests, {changed} changed")
    if state:
        state.parent.mkdir(parents=True, exist_ok=True)
        state.write_text(
            json.dumps({"cursor": cursor, "requests": known}, indent=1, ensure_ascii=False)
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    importing = commands.add_parser("import", help="check, then import a CSV of pupils")
    importing.add_argument("file", type=Path)
    importing.add_argument("--track", choices=["duaal", "stage"], required=True)
    importing.add_argument(
        "--mode",
        choices=["create_or_update", "skip_existing", "create_only"],
        default="create_or_update",
        help="a pupil already imported: update it (default), leave it, or refuse the file",
    )
    status = commands.add_parser("status", help="print the requests' status")
    status.add_argument("--track", choices=["duaal", "stage"])
    status.add_argument("--state", type=Path, help="remember statuses; print only changes")
    status.add_argument("--watch", type=float, metavar="SECONDS", help="poll every SECONDS")
    args = parser.parse_args(argv)

    with client_from_env() as api:
        if whoami(api) is None:
            return 1
        if args.command == "import":
            return import_pupils(api, args.file, args.track, args.mode)
        while True:
            show_statuses(api, args.track, args.state)
            if not args.watch:
                return 0
            # Polling once every few minutes is plenty: decisions take days.
            time.sleep(max(args.watch, 60))


if __name__ == "__main__":
    sys.exit(main())
