"""consultation on the draft: citizens' supports and comments, the commune's answers; a step's opening and closing

Revision ID: f3b9c2d8e104
Revises: e1f0a9c4b702
Create Date: 2026-12-01 18:24:13.920180

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "f3b9c2d8e104"
down_revision = "e1f0a9c4b702"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "consultation_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=True),
        sa.Column("axis", sa.String(length=200), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("reject_reason", sa.String(length=500), nullable=True),
        sa.Column("response", sa.String(length=10), nullable=True),
        sa.Column("response_text", sa.Text(), nullable=True),
        sa.Column("covered_by_id", sa.Integer(), nullable=True),
        sa.Column("responded_at", sa.DateTime(), nullable=True),
        sa.Column("responded_by_id", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(length=20), nullable=True),
        sa.Column("gender", sa.String(length=10), nullable=True),
        sa.Column("age_band", sa.String(length=10), nullable=True),
        sa.Column("consent_version", sa.String(length=20), nullable=True),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("browser", sa.String(length=64), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.Column("client_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["covered_by_id"], ["recommendations.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["entered_by_id"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["merged_into_id"],
            ["consultation_comments.id"],
        ),
        sa.ForeignKeyConstraint(["process_id"], ["processes.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recommendation_id"], ["recommendations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["responded_by_id"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(["step_id"], ["process_steps.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("step_id", "browser", "client_id"),
    )
    with op.batch_alter_table("consultation_comments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consultation_comments_merged_into_id"), ["merged_into_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_consultation_comments_process_id"), ["process_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_consultation_comments_recommendation_id"), ["recommendation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_consultation_comments_step_id"), ["step_id"], unique=False)

    op.create_table(
        "consultation_supports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("browser", sa.String(length=64), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["recommendation_id"], ["recommendations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["step_id"], ["process_steps.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("step_id", "recommendation_id", "browser"),
    )
    with op.batch_alter_table("consultation_supports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consultation_supports_address"), ["address"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_consultation_supports_recommendation_id"), ["recommendation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_consultation_supports_step_id"), ["step_id"], unique=False)

    with op.batch_alter_table("process_steps", schema=None) as batch_op:
        batch_op.add_column(sa.Column("opens_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("closes_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("process_steps", schema=None) as batch_op:
        batch_op.drop_column("closes_at")
        batch_op.drop_column("opens_at")

    with op.batch_alter_table("consultation_supports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultation_supports_step_id"))
        batch_op.drop_index(batch_op.f("ix_consultation_supports_recommendation_id"))
        batch_op.drop_index(batch_op.f("ix_consultation_supports_address"))

    op.drop_table("consultation_supports")
    with op.batch_alter_table("consultation_comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultation_comments_step_id"))
        batch_op.drop_index(batch_op.f("ix_consultation_comments_recommendation_id"))
        batch_op.drop_index(batch_op.f("ix_consultation_comments_process_id"))
        batch_op.drop_index(batch_op.f("ix_consultation_comments_merged_into_id"))

    op.drop_table("consultation_comments")
