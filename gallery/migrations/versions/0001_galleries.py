"""galleries, people, photos

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _created_at() -> sa.Column:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "galleries",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("tenant", sa.String(200), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        _created_at(),
        sa.PrimaryKeyConstraint("id", name="pk_galleries"),
        sa.UniqueConstraint("tenant", "name", name="uq_galleries_tenant"),
    )
    op.create_table(
        "people",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("gallery_id", sa.BigInteger(), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("external_id", sa.String(200), nullable=False),
        sa.Column("consent_reference", sa.String(500), nullable=False),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["gallery_id"],
            ["galleries.id"],
            name="fk_people_gallery_id_galleries",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_people"),
        sa.UniqueConstraint("gallery_id", "external_id", name="uq_people_gallery_id"),
    )
    op.create_index("ix_people_gallery_id", "people", ["gallery_id"])
    op.create_table(
        "photos",
        sa.Column("key", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("person_id", sa.String(32), nullable=False),
        sa.Column("gallery_id", sa.BigInteger(), nullable=False),
        sa.Column("png", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("box_left", sa.Integer(), nullable=False),
        sa.Column("box_top", sa.Integer(), nullable=False),
        sa.Column("box_right", sa.Integer(), nullable=False),
        sa.Column("box_bottom", sa.Integer(), nullable=False),
        sa.Column("embedding", sa.LargeBinary(), nullable=False),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["gallery_id"],
            ["galleries.id"],
            name="fk_photos_gallery_id_galleries",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name="fk_photos_person_id_people", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("key", name="pk_photos"),
        sa.UniqueConstraint("id", name="uq_photos_id"),
    )
    op.create_index("ix_photos_gallery_id", "photos", ["gallery_id"])
    op.create_index("ix_photos_person_id", "photos", ["person_id"])


def downgrade() -> None:
    op.drop_table("photos")
    op.drop_table("people")
    op.drop_table("galleries")
