"""national number unique per school and campaign, not per campaign

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 09:00:00

Issue 13.1: the campaign-wide uniqueness told a school which national numbers other schools
had registered. The uniqueness is now per (campaign, school); pairs across schools are the
admin's conflicts. The new constraint keeps (campaign, hash) as its leading columns, so the
conflicts' lookup uses it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("placement_request", schema=None) as batch_op:
        batch_op.drop_constraint(
            "uq_placement_request_campaign_id_national_number_hash", type_="unique"
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_placement_request_campaign_id_national_number_hash_school_id"),
            ["campaign_id", "national_number_hash", "school_id"],
        )


def downgrade() -> None:
    # The campaign-wide constraint cannot hold while two schools share a pupil: say so
    # instead of failing on an IntegrityError halfway.
    shared = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT count(*) FROM (SELECT campaign_id, national_number_hash"
                " FROM placement_request GROUP BY campaign_id, national_number_hash"
                " HAVING count(*) > 1) AS shared"
            )
        )
        .scalar()
    )
    if shared:
        raise RuntimeError(
            f"{shared} national numbers are registered by more than one school in a campaign;"
            " resolve these conflicts (GET /admin/campaigns/{id}/conflicts) before downgrading"
        )
    with op.batch_alter_table("placement_request", schema=None) as batch_op:
        batch_op.drop_constraint(
            "uq_placement_request_campaign_id_national_number_hash_school_id", type_="unique"
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_placement_request_campaign_id_national_number_hash"),
            ["campaign_id", "national_number_hash"],
        )
