"""outbox: claims per mail, a row per attempt, link tokens sealed

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 12:00:00

The mails already in the outbox lose their links' tokens: a sent or failed mail keeps a
placeholder instead, a waiting one has its token moved, encrypted, to `link_token_encrypted`.
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As in backend/mail/worker.py at this revision.
PLACEHOLDER = "~link-token~"
TOKEN = re.compile(r"(?<=[?&]token=)[A-Za-z0-9_.%-]+")
SECRET_TEMPLATES = ("invitation", "password_reset")

outbox_mail = sa.table(
    "outbox_mail",
    sa.column("id", sa.Uuid()),
    sa.column("template", sa.String()),
    sa.column("body_text", sa.Text()),
    sa.column("body_html", sa.Text()),
    sa.column("sent_at", backend.db.UTCDateTime(timezone=True)),
    sa.column("failed_at", backend.db.UTCDateTime(timezone=True)),
    sa.column("link_token_encrypted", sa.Text()),
)


def upgrade() -> None:
    op.create_table(
        "outbox_attempt",
        sa.Column("mail_id", sa.Uuid(), nullable=False),
        sa.Column("worker", sa.String(length=200), nullable=False),
        sa.Column("started_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", backend.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mail_id"],
            ["outbox_mail.id"],
            name=op.f("fk_outbox_attempt_mail_id_outbox_mail"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_attempt")),
    )
    with op.batch_alter_table("outbox_attempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_attempt_mail_id"), ["mail_id"], unique=False)

    with op.batch_alter_table("outbox_mail", schema=None) as batch_op:
        batch_op.add_column(sa.Column("link_token_encrypted", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("claim_id", sa.Uuid(), nullable=True))

    _seal_links()


def _seal_links() -> None:
    from urllib.parse import unquote

    from backend import crypto

    connection = op.get_bind()
    rows = connection.execute(
        sa.select(outbox_mail).where(outbox_mail.c.template.in_(SECRET_TEMPLATES))
    ).all()
    for row in rows:
        found = TOKEN.search(row.body_text)
        if found is None:
            continue
        waiting = row.sent_at is None and row.failed_at is None
        connection.execute(
            sa.update(outbox_mail)
            .where(outbox_mail.c.id == row.id)
            .values(
                body_text=TOKEN.sub(PLACEHOLDER, row.body_text),
                body_html=TOKEN.sub(PLACEHOLDER, row.body_html),
                link_token_encrypted=crypto.encrypt(unquote(found.group(0))) if waiting else None,
            )
        )


def downgrade() -> None:
    # Waiting mails get their links back, so that the older worker sends working ones.
    from urllib.parse import quote

    from backend import crypto

    connection = op.get_bind()
    rows = connection.execute(
        sa.select(outbox_mail).where(outbox_mail.c.link_token_encrypted.is_not(None))
    ).all()
    for row in rows:
        token = quote(crypto.decrypt(row.link_token_encrypted), safe="")
        connection.execute(
            sa.update(outbox_mail)
            .where(outbox_mail.c.id == row.id)
            .values(
                body_text=row.body_text.replace(PLACEHOLDER, token),
                body_html=row.body_html.replace(PLACEHOLDER, token),
            )
        )

    with op.batch_alter_table("outbox_mail", schema=None) as batch_op:
        batch_op.drop_column("claim_id")
        batch_op.drop_column("link_token_encrypted")

    with op.batch_alter_table("outbox_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_attempt_mail_id"))

    op.drop_table("outbox_attempt")
