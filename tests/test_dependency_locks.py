"""The lock files agree with pyproject.toml: a pin changed by hand in one of them, or a
dependency added without `make lock`, fails here rather than in the image (whose
requirements.lock no `pip check` looks at)."""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", re.MULTILINE)


def locked(name: str) -> dict[str, str]:
    """Package name to version, and each pin carries hashes."""
    text = (ROOT / name).read_text()
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text)
    pins = [block for block in blocks if PIN.match(block)]
    assert all("--hash=sha256:" in block for block in pins), f"{name}: a pin without hashes"
    return {canonicalize_name(m[1]): m[2] for m in (PIN.match(block) for block in pins)}


def pinned(requirements: list[str]) -> dict[str, str]:
    pins = {}
    for line in requirements:
        requirement = Requirement(line)
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", f"{line}: pyproject.toml pins with =="
        pins[canonicalize_name(requirement.name)] = specifier.version
    return pins


def test_the_app_lock_holds_every_dependency_at_its_pin():
    app = locked("requirements.lock")
    for name, version in pinned(PROJECT["dependencies"]).items():
        assert app.get(name) == version, f"{name}: run make lock"


def test_the_development_lock_adds_the_test_tools_at_the_apps_versions():
    app, dev = locked("requirements.lock"), locked("requirements-dev.lock")
    for name, version in pinned(PROJECT["optional-dependencies"]["test"]).items():
        assert dev.get(name) == version, f"{name}: run make lock"
    assert {name: dev.get(name) for name in app} == app


def test_the_image_installs_the_app_lock_with_hashes():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install --require-hashes -r requirements.lock" in dockerfile
    assert "pip install --no-deps -e ." in dockerfile
