"""Search galleries for one face embedding: the index finds the nearest photos, PostgreSQL names
their people (a photo deleted since the index was built is never answered), one match per
person, best first."""

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from dfrec_contract.galleries import GalleryMatch, GallerySearch
from gallery.index import IndexCache, search_index
from gallery.models import Gallery, Person, Photo
from gallery.store import gallery_vectors

PHOTOS_PER_MATCH = 8
"""Nearest photos looked at per match asked for (people have several photos each)."""


def _named(
    session: Session, gallery: Gallery, hits: list[tuple[int, float]], threshold: float
) -> list[GalleryMatch]:
    rows = session.execute(
        select(Photo.key, Photo.id, Person.id, Person.label, Person.external_id)
        .join(Person, Person.id == Photo.person_id)
        .where(Photo.gallery_id == gallery.id, Photo.key.in_([key for key, _ in hits]))
    ).all()
    photos = {row[0]: row for row in rows}
    best: dict[str, GalleryMatch] = {}
    for key, score in hits:
        row = photos.get(key)
        if row is None or row[2] in best:
            continue
        best[row[2]] = GalleryMatch(
            gallery=gallery.name,
            person_id=row[2],
            label=row[3],
            external_id=row[4],
            photo_id=row[1],
            score=round(score, 6),
            same_person=score >= threshold,
        )
    return list(best.values())


def search_galleries(
    session: Session,
    cache: IndexCache,
    galleries: list[Gallery],
    embedding: np.ndarray,
    top_k: int,
    threshold: float,
) -> GallerySearch:
    """The top_k people of all `galleries` closest to `embedding` (unit length); same_person
    where the score reaches `threshold` (dfrec_contract.galleries)."""
    matches: list[GalleryMatch] = []
    for gallery in galleries:
        index = cache.current(
            gallery.id, gallery.version, lambda g=gallery: gallery_vectors(session, g.id)
        )
        hits = search_index(index, embedding, top_k * PHOTOS_PER_MATCH)
        if hits:
            matches += _named(session, gallery, hits, threshold)
    matches.sort(key=lambda match: (-match.score, match.gallery, match.person_id))
    return GallerySearch(threshold=threshold, matches=matches[:top_k])
