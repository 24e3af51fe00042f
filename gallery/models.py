"""The gallery tables (SQLAlchemy 2). Migrations in gallery/migrations create them.

A gallery belongs to one tenant; (tenant, name) is unique, so two tenants may both have a
gallery `staff` and neither sees the other's. `version` grows with every enrol and delete: a
process whose index was built at an older version rebuilds it (gallery.index). Deleting a
gallery or a person deletes their rows below (ON DELETE CASCADE): the photos' PNG bytes and
embeddings go with them.
"""

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "pk": "pk_%(table_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ix": "ix_%(table_name)s_%(column_0_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Gallery(Base):
    __tablename__ = "galleries"
    __table_args__ = (UniqueConstraint("tenant", "name"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Person(Base):
    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("gallery_id", "external_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    gallery_id: Mapped[int] = mapped_column(
        ForeignKey("galleries.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(200))
    external_id: Mapped[str] = mapped_column(String(200))
    consent_reference: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Photo(Base):
    """One enrolled photo: the stored PNG, the face found in it and its embedding."""

    __tablename__ = "photos"

    key: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    """The photo's label in the vector index."""
    id: Mapped[str] = mapped_column(String(32), unique=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    gallery_id: Mapped[int] = mapped_column(
        ForeignKey("galleries.id", ondelete="CASCADE"), index=True
    )
    png: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    box_left: Mapped[int] = mapped_column(Integer)
    box_top: Mapped[int] = mapped_column(Integer)
    box_right: Mapped[int] = mapped_column(Integer)
    box_bottom: Mapped[int] = mapped_column(Integer)
    embedding: Mapped[bytes] = mapped_column(LargeBinary)
    """Unit-length float32 little-endian, gallery.embedding.DIMENSIONS values."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
