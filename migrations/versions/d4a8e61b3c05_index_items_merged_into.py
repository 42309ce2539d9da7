"""index items.merged_into_id: an item's merged items are read for every payload, without a scan of the items

Revision ID: d4a8e61b3c05
Revises: c7e2d5a1f003
Create Date: 2026-12-02 10:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "d4a8e61b3c05"
down_revision = "c7e2d5a1f003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_items_merged_into_id"), ["merged_into_id"], unique=False)


def downgrade():
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_items_merged_into_id"))
