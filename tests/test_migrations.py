"""The Alembic revisions build exactly the models' schema, and step down again."""

import os

from alembic import command
from alembic.script import ScriptDirectory

from backend.db import alembic_config
from tests.conftest import IS_POSTGRES, ROOT, TEST_DATABASE_URL, fresh_database


def _scratch_url() -> str:
    if IS_POSTGRES:
        return TEST_DATABASE_URL + "_migration_check"
    return f"sqlite:///{ROOT / 'var' / f'migration-check-{os.getpid()}.db'}"


def _config(url: str):
    config = alembic_config()
    config.attributes["database_url"] = url
    config.attributes["skip_logging"] = True
    return config


def test_upgrade_head_matches_the_models_and_downgrades_one_step():
    url = _scratch_url()
    fresh_database(url)
    config = _config(url)
    command.upgrade(config, "head")
    # Raises when autogenerate would find any difference between database and models.
    command.check(config)
    command.downgrade(config, "-1")
    command.upgrade(config, "head")
    command.check(config)
    fresh_database(url) if not IS_POSTGRES else None


def test_revision_files_are_named_by_date_and_slug():
    script = ScriptDirectory.from_config(alembic_config())
    for revision in script.walk_revisions():
        name = os.path.basename(revision.path)
        assert name[:16].replace("_", "").replace("-", "").isdigit(), name
        assert revision.module.downgrade.__code__.co_code != (lambda: None).__code__.co_code
