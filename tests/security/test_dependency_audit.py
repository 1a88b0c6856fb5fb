"""The dependency audit fails on a known vulnerability unless docs/SECURITY.md accepts it,
and never reports "no vulnerabilities" when no advisory service answered."""

from scripts.audit_dependencies import (
    SECURITY_DOC,
    accepted_advisories,
    read_npm_audit,
    read_pip_audit,
    unaccepted,
)

VULNERABLE = {
    "dependencies": [
        {"name": "jinja2", "version": "3.1.6", "vulns": []},
        {
            "name": "starlette",
            "version": "0.1.0",
            "vulns": [{"id": "PYSEC-2099-1", "aliases": ["GHSA-aaaa-bbbb-cccc"]}],
        },
        {"name": "ruff", "skip_reason": "Dependency not found on PyPI"},
    ]
}

DOC = """# Security
## Accepted advisories
| advisory | package | why it does not apply |
| --- | --- | --- |
| GHSA-aaaa-bbbb-cccc | starlette | we never use the affected multipart parser |
## Next
| PYSEC-2099-2 | x | outside the section |
"""


def test_a_known_vulnerability_fails_the_audit():
    audit = read_pip_audit(VULNERABLE)
    assert (audit.audited, audit.unaudited) == (2, 1)
    [finding] = unaccepted([audit], set())
    assert finding.package == "starlette" and "PYSEC-2099-1" in finding.ids


def test_an_advisory_accepted_in_the_security_doc_passes_by_any_alias():
    assert accepted_advisories(DOC) == {"GHSA-aaaa-bbbb-cccc"}
    assert unaccepted([read_pip_audit(VULNERABLE)], accepted_advisories(DOC)) == []


def test_npm_findings_and_an_unanswered_npm_audit():
    report = {
        "vulnerabilities": {
            "preact": {"range": "<10.0.0", "via": [{"url": "https://x/GHSA-pppp-qqqq-rrrr"}]}
        },
        "metadata": {"dependencies": {"prod": 3}},
    }
    [finding] = unaccepted([read_npm_audit(report)], set())
    assert finding.ids == {"GHSA-pppp-qqqq-rrrr"}
    offline = read_npm_audit({"message": "405 Method Not Allowed", "error": {}})
    assert (offline.audited, offline.unaudited, offline.findings) == (0, 1, [])


def test_the_security_doc_has_the_accepted_advisories_section():
    assert "## Accepted advisories" in SECURITY_DOC.read_text()
