"""An uploaded photo for a gallery: validated and normalized like a job's upload
(service.images), then its largest face embedded (gallery.embedding), within a decode slot."""

import io

import numpy as np
from PIL import Image

from gallery.embedding import EmbeddedFace, face_embedder
from service.errors import ApiError, ErrorCode
from service.images import normalize_image
from service.state import ServiceState
from service.submission import decode_slot


def embedded_photo(state: ServiceState, data: bytes) -> tuple[bytes, EmbeddedFace]:
    """(the normalized PNG, its largest face); ApiError for bad input or no face (422)."""
    with decode_slot(state):
        normalized = normalize_image(data, state.decode_budget)
        rgb = np.asarray(Image.open(io.BytesIO(normalized.png)).convert("RGB"))
        face = face_embedder().photo(rgb)
    if face is None:
        raise ApiError(422, ErrorCode.NO_FACE, "no face was found in the photo")
    return normalized.png, face
