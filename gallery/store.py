"""Reads and writes of the gallery tables, within a caller's session (one transaction per
request). Every change to a gallery's vectors raises its `version` in the same transaction."""

import hashlib
import uuid

import numpy as np
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dfrec_contract.galleries import GalleryView, PersonCreate, PersonView, PhotoView
from gallery.embedding import DIMENSIONS, EmbeddedFace, from_bytes, to_bytes
from gallery.models import Gallery, Person, Photo


class GalleryNotFound(LookupError):
    """No such gallery for this tenant (another tenant's is not found either)."""


class PersonNotFound(LookupError):
    pass


class PhotoNotFound(LookupError):
    pass


class DuplicateExternalId(ValueError):
    pass


def _new_id() -> str:
    return uuid.uuid4().hex


def create_gallery(session: Session, tenant: str, name: str) -> tuple[Gallery, bool]:
    """(the gallery, created): an existing one is returned as is."""
    existing = session.scalar(select(Gallery).filter_by(tenant=tenant, name=name))
    if existing is not None:
        return existing, False
    gallery = Gallery(tenant=tenant, name=name, version=0)
    session.add(gallery)
    session.flush()
    return gallery, True


def find_gallery(session: Session, tenant: str, name: str) -> Gallery:
    gallery = session.scalar(select(Gallery).filter_by(tenant=tenant, name=name))
    if gallery is None:
        raise GalleryNotFound(name)
    return gallery


def gallery_view(session: Session, gallery: Gallery) -> GalleryView:
    people = session.scalar(
        select(func.count()).select_from(Person).filter_by(gallery_id=gallery.id)
    )
    photos = session.scalar(
        select(func.count()).select_from(Photo).filter_by(gallery_id=gallery.id)
    )
    return GalleryView(
        name=gallery.name, version=gallery.version, people=people or 0, photos=photos or 0
    )


def delete_gallery(session: Session, gallery: Gallery) -> None:
    """The gallery, its people, photos and embeddings (cascade)."""
    session.execute(delete(Gallery).where(Gallery.id == gallery.id))


def bump_version(session: Session, gallery: Gallery) -> int:
    """Raise the gallery's version (row-locked until commit); the new version."""
    version = session.execute(
        update(Gallery)
        .where(Gallery.id == gallery.id)
        .values(version=Gallery.version + 1)
        .returning(Gallery.version)
    ).scalar_one()
    gallery.version = version
    return gallery.version


def add_person(session: Session, gallery: Gallery, fields: PersonCreate) -> Person:
    person = Person(id=_new_id(), gallery_id=gallery.id, **fields.model_dump())
    try:
        with session.begin_nested():
            session.add(person)
    except IntegrityError as error:
        raise DuplicateExternalId(fields.external_id) from error
    return person


def find_person(session: Session, gallery: Gallery, person_id: str) -> Person:
    person = session.scalar(select(Person).filter_by(gallery_id=gallery.id, id=person_id))
    if person is None:
        raise PersonNotFound(person_id)
    return person


def _photo_view(photo: Photo) -> PhotoView:
    box = [photo.box_left, photo.box_top, photo.box_right, photo.box_bottom]
    return PhotoView(id=photo.id, box=box, sha256=photo.sha256)


def person_views(
    session: Session, gallery: Gallery, person_id: str | None = None
) -> list[PersonView]:
    """Every person of the gallery (or the one person), oldest first, with their photos."""
    people = select(Person).filter_by(gallery_id=gallery.id)
    if person_id is not None:
        people = people.filter_by(id=person_id)
    rows = session.scalars(people.order_by(Person.created_at, Person.id)).all()
    photos = session.scalars(
        select(Photo).where(Photo.person_id.in_([p.id for p in rows])).order_by(Photo.key)
    ).all()
    by_person: dict[str, list[PhotoView]] = {}
    for photo in photos:
        by_person.setdefault(photo.person_id, []).append(_photo_view(photo))
    return [
        PersonView(
            id=p.id,
            label=p.label,
            external_id=p.external_id,
            consent_reference=p.consent_reference,
            photos=by_person.get(p.id, []),
        )
        for p in rows
    ]


def delete_person(session: Session, gallery: Gallery, person_id: str) -> int:
    """Erase the person and their photos; the number of photos erased."""
    person = find_person(session, gallery, person_id)
    photos = session.execute(delete(Photo).where(Photo.person_id == person.id)).rowcount
    session.execute(delete(Person).where(Person.id == person.id))
    bump_version(session, gallery)
    return photos


def add_photo(
    session: Session, gallery: Gallery, person: Person, png: bytes, face: EmbeddedFace
) -> Photo:
    left, top, right, bottom = face.box
    photo = Photo(
        id=_new_id(),
        person_id=person.id,
        gallery_id=gallery.id,
        png=png,
        sha256=hashlib.sha256(png).hexdigest(),
        box_left=left,
        box_top=top,
        box_right=right,
        box_bottom=bottom,
        embedding=to_bytes(face.embedding),
    )
    session.add(photo)
    session.flush()
    bump_version(session, gallery)
    return photo


def photo_view(photo: Photo) -> PhotoView:
    return _photo_view(photo)


def delete_photo(session: Session, gallery: Gallery, person: Person, photo_id: str) -> None:
    erased = session.execute(
        delete(Photo).where(Photo.person_id == person.id, Photo.id == photo_id)
    ).rowcount
    if not erased:
        raise PhotoNotFound(photo_id)
    bump_version(session, gallery)


def gallery_vectors(session: Session, gallery_id: int) -> tuple[np.ndarray, np.ndarray]:
    """(keys (N,) int64, embeddings (N, DIMENSIONS) float32) of every photo, by key."""
    rows = session.execute(
        select(Photo.key, Photo.embedding).filter_by(gallery_id=gallery_id).order_by(Photo.key)
    ).all()
    keys = np.array([row.key for row in rows], dtype=np.int64)
    vectors = np.stack([from_bytes(row.embedding) for row in rows]) if rows else None
    return keys, vectors if vectors is not None else np.zeros((0, DIMENSIONS), np.float32)
