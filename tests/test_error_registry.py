"""One registry of problem types (backend/errors.py): every code the API answers is
registered once, declared on the endpoints that answer it, raised somewhere, and translated in
both of the client's catalogs; and the test suite itself refuses an endpoint that answers a
code it does not declare (CHECK_DECLARED_ERRORS)."""

import ast
import json
import re

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from backend import errors
from backend.config import ROOT
from backend.errors import REGISTRY, Conflict, DuplicateProblemCode, declared, problems
from backend.main import create_app
from tests.conftest import make_client

CATALOGS = {lang: ROOT / "frontend" / "src" / "i18n" / f"{lang}.json" for lang in ("nl", "en")}
# What names a set of problem types for a declaration rather than raising one of them.
DECLARING_CALLS = {"problems", "declares"}
DECLARING_NAMES = {"EVERYWHERE", "OUTSIDE_OPERATIONS"}


@pytest.fixture
def all_registered():
    # Every module with problem types is imported by backend.main (its routers).
    return dict(REGISTRY)


def test_a_code_is_registered_once():
    with pytest.raises(DuplicateProblemCode, match="already backend.errors.NotFound"):
        errors.error(400, "not_found", "Something else")
    assert REGISTRY["not_found"] is errors.NotFound


@pytest.mark.parametrize("lang", CATALOGS)
def test_every_registered_code_has_words_in_the_client_catalog(all_registered, lang):
    catalog = json.loads(CATALOGS[lang].read_text(encoding="utf-8"))
    missing = sorted(code for code in all_registered if f"error.{code}" not in catalog)
    assert missing == [], f"add error.<code> to {CATALOGS[lang].name} for {missing}"


def test_every_registered_code_is_declared_somewhere(all_registered, app):
    declared_anywhere = set(errors.OUTSIDE_OPERATIONS)
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute):
            declared_anywhere |= set(declared(context).values())
    assert sorted(set(all_registered.values()) - declared_anywhere, key=str) == []


def _defined_names() -> dict[str, type]:
    # The name each problem type is bound to in its own module.
    import importlib

    names = {}
    for kind in REGISTRY.values():
        module = importlib.import_module(kind.__module__)
        bound = [name for name, value in vars(module).items() if value is kind]
        assert bound, f"{kind.code}: not bound to a name in {kind.__module__}"
        names.update(dict.fromkeys(bound, kind))
    return names


def _declares(node: ast.AST) -> bool:
    if isinstance(node, ast.Call):
        func = node.func
        return (func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")) in (
            DECLARING_CALLS
        )
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
        return isinstance(target, ast.Name) and (
            target.id in DECLARING_NAMES or target.id.endswith("_PROBLEMS")
        )
    return False


def _uses(tree: ast.Module) -> set[str]:
    """Names referenced outside their definition and outside declarations (problems(...),
    declares(...), EVERYWHERE, ..._PROBLEMS = (...)), e.g. in a raise or an answer(...)."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if _declares(node):
            skipped |= {id(sub) for sub in ast.walk(node) if sub is not node}
    used = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            used.add(node.id)
        elif isinstance(node, ast.Attribute):
            used.add(node.attr)
    return used


def test_every_registered_code_is_answered_somewhere(all_registered):
    names = _defined_names()
    used: set[str] = set()
    for path in (ROOT / "backend").rglob("*.py"):
        used |= _uses(ast.parse(path.read_text(encoding="utf-8")))
    dead = sorted(f"{kind.code} ({name})" for name, kind in names.items() if name not in used)
    assert dead == [], f"registered but never raised nor answered: {dead}"


def _with_throwaway_route(app, **route) -> None:
    async def refuse() -> None:
        """Raises a registered problem (409 conflict)."""
        raise Conflict("Refused")

    # POST: the client's catch-all route answers every GET.
    app.add_api_route("/api/v1/throwaway", refuse, methods=["POST"], **route)


async def test_an_undeclared_problem_fails_the_test_that_provokes_it(settings, sessionmaker):
    app = create_app(settings, sessionmaker=sessionmaker)
    _with_throwaway_route(app)
    async with make_client(app) as client:
        response = await client.post("/api/v1/throwaway")
    assert response.status_code == 500
    body = response.json()
    assert body["code"] == "undeclared_error"
    assert body["undeclared_code"] == "conflict"
    assert body["route"] == "POST /api/v1/throwaway"


async def test_a_declared_problem_is_answered_as_raised(settings, sessionmaker):
    app = create_app(settings, sessionmaker=sessionmaker)
    _with_throwaway_route(app, responses=problems(Conflict))
    async with make_client(app) as client:
        response = await client.post("/api/v1/throwaway")
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    documented = app.openapi()["paths"]["/api/v1/throwaway"]["post"]["responses"]["409"]
    # (Every POST also declares the 409 of its Idempotency-Key.)
    assert documented["x-problem-codes"] == ["conflict", "idempotency_in_progress"]


async def test_in_production_an_undeclared_problem_is_answered_as_raised(settings, sessionmaker):
    production = settings.model_copy(update={"check_declared_errors": False})
    app = create_app(production, sessionmaker=sessionmaker)
    _with_throwaway_route(app)
    async with make_client(app) as client:
        response = await client.post("/api/v1/throwaway")
    assert response.status_code == 409 and response.json()["code"] == "conflict"


def test_the_setting_is_off_unless_set(monkeypatch):
    from backend.config import Settings

    monkeypatch.delenv("CHECK_DECLARED_ERRORS", raising=False)
    assert Settings().check_declared_errors is False


DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# "`409 duplicate_request`" in prose, "| `duplicate_request` | 409 |" in the error tables.
IN_PROSE = re.compile(r"`([1-5]\d\d) ([a-z][a-z_]+)`")
IN_TABLE = re.compile(r"^\| `([a-z][a-z_]+)` \| ([1-5]\d\d) \|", re.MULTILINE)
# Named with a status in the docs but no problem type: codes of one field inside a 422
# validation_error's `errors`, and the suite's own answer to an undeclared problem.
NOT_PROBLEM_TYPES = {"city_mismatch", "invalid_characters", "undeclared_error"}


def test_every_documented_error_code_is_registered_with_its_status(all_registered):
    """What the README and docs/ promise an integrator is what the API answers: each code
    named with its status exists in the registry, with that status (http_error carries the
    status of the exception it stands for)."""
    documented: set[tuple[str, int, str]] = set()
    for document in DOCUMENTS:
        text = document.read_text(encoding="utf-8")
        documented |= {(code, int(s), document.name) for s, code in IN_PROSE.findall(text)}
        documented |= {(code, int(s), document.name) for code, s in IN_TABLE.findall(text)}
    assert len(documented) >= 30  # the pattern still finds the docs' codes

    def answered_as_documented(code: str, status: int) -> bool:
        if code in NOT_PROBLEM_TYPES:
            return code not in all_registered
        kind = all_registered.get(code)
        return kind is not None and (kind is errors.HttpError or kind.status == status)

    wrong = [
        f"{name}: {status} {code}"
        for code, status, name in sorted(documented)
        if not answered_as_documented(code, status)
    ]
    assert wrong == []
