"""personal data purge: retention, consent version, purged attendance

Revision ID: a9d4e2c17b01
Revises: c466e1520aa5
Create Date: 2026-12-01 15:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a9d4e2c17b01'
down_revision = 'c466e1520aa5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('communes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retention_days', sa.Integer(), server_default='365', nullable=False))

    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_version', sa.String(length=20), nullable=True))

    with op.batch_alter_table('workshops', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purged_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('attendance', sa.JSON(), nullable=True))

    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.alter_column('participant_id', existing_type=sa.Integer(), nullable=True)


def downgrade():
    # Purged votes have nobody behind them: they cannot go back under a NOT NULL column.
    op.execute('DELETE FROM votes WHERE participant_id IS NULL')
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.alter_column('participant_id', existing_type=sa.Integer(), nullable=False)

    with op.batch_alter_table('workshops', schema=None) as batch_op:
        batch_op.drop_column('attendance')
        batch_op.drop_column('purged_at')

    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_column('consent_version')

    with op.batch_alter_table('communes', schema=None) as batch_op:
        batch_op.drop_column('retention_days')
