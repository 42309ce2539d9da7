"""consultation processes: steps, the council's adoption, follow-up updates, documents; public slugs

Revision ID: e1f0a9c4b702
Revises: d4a8e61b3c05
Create Date: 2026-12-01 18:21:34.072317

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e1f0a9c4b702"
down_revision = "d4a8e61b3c05"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "processes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_id"],
            ["communes.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("commune_id", "slug"),
    )
    with op.batch_alter_table("processes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_processes_commune_id"), ["commune_id"], unique=False)

    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("dated", sa.Date(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=60), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["process_id"], ["processes.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_documents_process_id"), ["process_id"], unique=False)

    op.create_table(
        "process_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(["process_id"], ["processes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("process_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_process_steps_process_id"), ["process_id"], unique=False)

    op.create_table(
        "adoptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("session_name", sa.String(length=200), nullable=False),
        sa.Column("session_date", sa.Date(), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("amended_text", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["recommendation_id"], ["recommendations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("recommendation_id"),
    )
    op.create_table(
        "follow_up_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=True),
        sa.Column("service", sa.String(length=200), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["recommendation_id"], ["recommendations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("follow_up_updates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_follow_up_updates_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_follow_up_updates_recommendation_id"), ["recommendation_id"], unique=False)

    with op.batch_alter_table("communes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("slug", sa.String(length=80), nullable=True))
        batch_op.create_unique_constraint("uq_communes_slug", ["slug"])

    with op.batch_alter_table("workshops", schema=None) as batch_op:
        batch_op.add_column(sa.Column("process_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("published_at", sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_workshops_process_id"), ["process_id"], unique=False)
        batch_op.create_foreign_key("fk_workshops_process_id", "processes", ["process_id"], ["id"], ondelete="SET NULL")


def downgrade():
    with op.batch_alter_table("workshops", schema=None) as batch_op:
        batch_op.drop_constraint("fk_workshops_process_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_workshops_process_id"))
        batch_op.drop_column("published_at")
        batch_op.drop_column("process_id")

    with op.batch_alter_table("communes", schema=None) as batch_op:
        batch_op.drop_constraint("uq_communes_slug", type_="unique")
        batch_op.drop_column("slug")

    with op.batch_alter_table("follow_up_updates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_follow_up_updates_recommendation_id"))
        batch_op.drop_index(batch_op.f("ix_follow_up_updates_created_at"))

    op.drop_table("follow_up_updates")
    op.drop_table("adoptions")
    with op.batch_alter_table("process_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_process_steps_process_id"))

    op.drop_table("process_steps")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_documents_process_id"))

    op.drop_table("documents")
    with op.batch_alter_table("processes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_processes_commune_id"))

    op.drop_table("processes")
