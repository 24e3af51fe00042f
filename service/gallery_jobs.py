"""`galleries=a,b` on POST /recover: the named galleries of the key's tenant, checked before the
job is queued (the key needs `gallery:read`; a missing or another tenant's gallery is a 404)."""

import re

from dfrec_contract.apikeys import ApiKeyRecord, Scope
from dfrec_contract.galleries import GALLERY_NAME_PATTERN, MAX_JOB_GALLERIES
from gallery import store
from service.errors import ApiError, ErrorCode
from service.gallery_state import transaction
from service.state import ServiceState


def job_galleries(state: ServiceState, key: ApiKeyRecord, text: str | None) -> tuple[str, ...]:
    """The distinct names, sorted (the same set is the same job input); () when not asked."""
    if not text:
        return ()
    names = tuple(sorted({name.strip() for name in text.split(",") if name.strip()}))
    invalid = [name for name in names if not re.fullmatch(GALLERY_NAME_PATTERN, name)]
    if invalid or not names or len(names) > MAX_JOB_GALLERIES:
        raise ApiError(
            422,
            ErrorCode.INVALID_REQUEST,
            f"galleries: 1 to {MAX_JOB_GALLERIES} names matching {GALLERY_NAME_PATTERN}",
        )
    if Scope.GALLERY_READ not in key.scopes:
        raise ApiError(403, ErrorCode.FORBIDDEN, f"API key {key.id} lacks the 'gallery:read' scope")
    with transaction(state.galleries) as session:
        for name in names:
            try:
                store.find_gallery(session, key.tenant, name)
            except store.GalleryNotFound as error:
                raise ApiError(404, ErrorCode.GALLERY_NOT_FOUND, f"no gallery {name!r}") from error
    return names
