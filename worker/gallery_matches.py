"""Who is in the photo: for a job naming galleries, each processed face's raw crop, recovered
source and recovered target are embedded (gallery.embedding) and searched in those galleries of
the job's tenant (gallery.search). A gallery deleted since the job was accepted is skipped."""

import numpy as np
from sqlalchemy.orm import Session

from dfrec_contract.galleries import CROP_THRESHOLD, JOB_TOP_K, FaceGalleryMatches
from dfrec_contract.record import JobRecord
from gallery import store
from gallery.database import GalleryDatabase
from gallery.embedding import face_embedder
from gallery.models import Gallery
from gallery.search import search_galleries
from worker.ensemble import EnsembleOutputs
from worker.faces import PhotoFace
from worker.postprocess import to_uint8


def _existing(session: Session, tenant: str, names: tuple[str, ...]) -> list[Gallery]:
    found = []
    for name in names:
        try:
            found.append(store.find_gallery(session, tenant, name))
        except store.GalleryNotFound:
            continue
    return found


def face_matches(
    galleries: GalleryDatabase,
    record: JobRecord,
    faces: list[PhotoFace],
    outputs: EnsembleOutputs | None,
) -> list[FaceGalleryMatches] | None:
    """Matches per processed face (rows of `outputs` follow `faces`); None when the job names
    no galleries."""
    if not record.galleries:
        return None
    if outputs is None:
        return []
    embedder = face_embedder()
    with galleries.sessions.begin() as session:
        searched = _existing(session, record.tenant, record.galleries)

        def search(pixels: np.ndarray):
            embedding = embedder.crop(pixels)
            return search_galleries(
                session, galleries.indexes, searched, embedding, JOB_TOP_K, CROP_THRESHOLD
            )

        return [
            FaceGalleryMatches(
                index=face.index,
                raw=search(face.aligned.crop),
                source=search(to_uint8(outputs.source[row])),
                target=search(to_uint8(outputs.target[row])),
            )
            for row, face in enumerate(faces)
        ]
