"""axis names per language: a facilitator may name an axis in each language of the screens

Revision ID: c7e2d5a1f003
Revises: b3f1c8e92d02
Create Date: 2026-12-01 16:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c7e2d5a1f003'
down_revision = 'b3f1c8e92d02'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('themes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('names', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('themes', schema=None) as batch_op:
        batch_op.drop_column('names')
