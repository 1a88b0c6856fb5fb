"""The dependency audit of `make test`: pip-audit on the Python lock (requirements-dev.lock,
every package the app and its tests install; the image's requirements.lock is a subset of
it) and `npm audit --omit=dev` on the client's, failing on a known vulnerability unless
docs/SECURITY.md accepts it (its "Accepted advisories" table names the advisory and why it
does not apply).

Both audits ask an advisory service over the network. Where none answers (an offline
machine, a registry mirror without the audit endpoints), the audit says so plainly and does
not fail: "not audited" is reported, never "no vulnerabilities".
"""

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECURITY_DOC = ROOT / "docs" / "SECURITY.md"
ACCEPTED_HEADING = "## Accepted advisories"
PYTHON_LOCK = ROOT / "requirements-dev.lock"


@dataclass(frozen=True)
class Finding:
    ecosystem: str
    package: str
    version: str
    ids: frozenset[str]

    def __str__(self) -> str:
        return f"{self.ecosystem} {self.package} {self.version}: {', '.join(sorted(self.ids))}"


@dataclass(frozen=True)
class Audit:
    findings: list[Finding]
    audited: int
    unaudited: int


def accepted_advisories(doc: str) -> set[str]:
    """The advisory ids in the first column of the table under "## Accepted advisories"."""
    _, _, section = doc.partition(ACCEPTED_HEADING)
    section = section.split("\n## ", 1)[0]
    ids = set()
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.lstrip().startswith("|") and re.fullmatch(r"[A-Z]+-[\w-]+", cells[0]):
            ids.add(cells[0])
    return ids


def read_pip_audit(report: dict) -> Audit:
    findings, audited, unaudited = [], 0, 0
    for dependency in report.get("dependencies", []):
        if "skip_reason" in dependency:
            unaudited += 1
            continue
        audited += 1
        for vuln in dependency.get("vulns", []):
            ids = frozenset([vuln["id"], *vuln.get("aliases", [])])
            findings.append(Finding("pypi", dependency["name"], dependency["version"], ids))
    return Audit(findings, audited, unaudited)


def read_npm_audit(report: dict) -> Audit:
    if "error" in report or "vulnerabilities" not in report:
        return Audit([], 0, 1)
    findings = []
    for name, entry in report["vulnerabilities"].items():
        ids = set()
        for via in entry.get("via", []):
            if isinstance(via, dict):
                url = via.get("url", "")
                ids.add(url.rsplit("/", 1)[-1] if url else str(via.get("source")))
        if ids:
            findings.append(Finding("npm", name, entry.get("range", ""), frozenset(ids)))
    total = report.get("metadata", {}).get("dependencies", {}).get("prod", 0)
    return Audit(findings, total, 0)


def unaccepted(audits: list[Audit], accepted: set[str]) -> list[Finding]:
    return [f for audit in audits for f in audit.findings if not (f.ids & accepted)]


def _run_json(command: list[str], cwd: Path) -> dict:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)  # noqa: S603
    try:
        return json.loads(done.stdout or "{}")
    except json.JSONDecodeError:
        return {"error": done.stderr.strip()[-500:]}


def main() -> int:
    python = Path(sys.executable)
    pip_report = _run_json(
        [
            str(python.parent / "pip-audit"),
            # The lock pins and hashes every package: read as it is, nothing installed.
            "--requirement",
            str(PYTHON_LOCK),
            "--disable-pip",
            "--format",
            "json",
            "--progress-spinner",
            "off",
        ],
        ROOT,
    )
    npm_report = _run_json(["npm", "audit", "--omit=dev", "--json"], ROOT / "frontend")
    pip, npm = read_pip_audit(pip_report), read_npm_audit(npm_report)
    for name, audit in (("Python", pip), ("npm", npm)):
        if audit.audited == 0:
            print(f"audit: {name} dependencies not audited: no advisory service answered")
        else:
            print(
                f"audit: {name}: {audit.audited} audited, {audit.unaudited} not found, "
                f"{len(audit.findings)} advisories"
            )
    refused = unaccepted([pip, npm], accepted_advisories(SECURITY_DOC.read_text()))
    for finding in refused:
        print(f"audit: known vulnerability not accepted in docs/SECURITY.md: {finding}")
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
