"""/v1/galleries/{name}: a tenant's gallery of people, their enrolled photos, and search by
photo. Another tenant's gallery is answered exactly like a missing one (404
gallery_not_found). Every change is audited (service.audit) after it is committed."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from dfrec_contract.apikeys import ApiKeyRecord
from dfrec_contract.galleries import (
    GALLERY_NAME_PATTERN,
    MAX_TOP_K,
    PHOTO_THRESHOLD,
    GalleryView,
    PersonCreate,
    PersonView,
    PhotoSearch,
    PhotoView,
)
from gallery import store
from gallery.search import search_galleries
from service.audit import audit
from service.auth import GalleryReader, GalleryWriter
from service.dependencies import State
from service.errors import AUTHENTICATED, ApiError, ErrorCode, error_responses
from service.gallery_photos import embedded_photo
from service.gallery_state import transaction
from service.state import ServiceState
from service.upload import read_image_field

router = APIRouter(prefix="/v1/galleries", tags=["galleries"])

GalleryName = Annotated[str, Path(pattern=GALLERY_NAME_PATTERN)]
Id = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
_GALLERY = (
    *AUTHENTICATED,
    ErrorCode.GALLERY_NOT_FOUND,
    ErrorCode.INVALID_REQUEST,
    ErrorCode.DATABASE_UNAVAILABLE,
)
_PERSON = (*_GALLERY, ErrorCode.PERSON_NOT_FOUND)
_UPLOAD = (
    ErrorCode.MALFORMED_MULTIPART,
    ErrorCode.UPLOAD_TOO_LARGE,
    ErrorCode.TOO_MANY_PIXELS,
    ErrorCode.TOO_MANY_FRAMES,
    ErrorCode.MULTIPART_REQUIRED,
    ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    ErrorCode.MISSING_IMAGE,
    ErrorCode.EMPTY_IMAGE,
    ErrorCode.UNDECODABLE_IMAGE,
    ErrorCode.NO_FACE,
    ErrorCode.BUSY,
)
_ERRORS = error_responses(*_GALLERY)
_PERSON_ERRORS = error_responses(*_PERSON)
_PHOTO_ERRORS = error_responses(*_PERSON, ErrorCode.PHOTO_NOT_FOUND)
_NEW_PERSON_ERRORS = error_responses(*_GALLERY, ErrorCode.PERSON_EXISTS)
_ENROL_ERRORS = error_responses(*_PERSON, *_UPLOAD)
_SEARCH_ERRORS = error_responses(*_GALLERY, *_UPLOAD)
_IMAGE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["image"],
                    "properties": {"image": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


def _not_found(error: LookupError) -> ApiError:
    if isinstance(error, store.GalleryNotFound):
        return ApiError(404, ErrorCode.GALLERY_NOT_FOUND, f"no gallery {error.args[0]!r}")
    if isinstance(error, store.PersonNotFound):
        return ApiError(404, ErrorCode.PERSON_NOT_FOUND, f"no person {error.args[0]!r}")
    return ApiError(404, ErrorCode.PHOTO_NOT_FOUND, f"no photo {error.args[0]!r}")


@contextmanager
def _tenant_transaction(state: ServiceState) -> Iterator[Session]:
    """transaction(), where a missing gallery, person or photo (LookupError) answers 404."""
    try:
        with transaction(state.galleries) as session:
            yield session
    except LookupError as error:
        raise _not_found(error) from error


def _audit(state: ServiceState, key: ApiKeyRecord, action: str, **details: object) -> None:
    audit(state.keys, key.id, f"gallery.{action}", tenant=key.tenant, **details)


@router.put(
    "/{name}",
    response_model=GalleryView,
    responses={
        201: {"model": GalleryView, "description": "created"},
        **_ERRORS,
    },
    summary="Create a gallery (200: it already exists, unchanged)",
)
def create_gallery(name: GalleryName, response: Response, state: State, key: GalleryWriter):
    with transaction(state.galleries) as session:
        gallery, created = store.create_gallery(session, key.tenant, name)
        view = store.gallery_view(session, gallery)
    if created:
        response.status_code = 201
        _audit(state, key, "create", gallery=name)
    return view


@router.get("/{name}", response_model=GalleryView, responses=_ERRORS, summary="A gallery's size")
def get_gallery(name: GalleryName, state: State, key: GalleryReader):
    with _tenant_transaction(state) as session:
        return store.gallery_view(session, store.find_gallery(session, key.tenant, name))


@router.delete(
    "/{name}", status_code=204, responses=_ERRORS, summary="Erase a gallery, its people and photos"
)
def delete_gallery(name: GalleryName, state: State, key: GalleryWriter) -> Response:
    with _tenant_transaction(state) as session:
        gallery = store.find_gallery(session, key.tenant, name)
        store.delete_gallery(session, gallery)
    state.galleries.indexes.drop(gallery.id)
    _audit(state, key, "delete", gallery=name)
    return Response(status_code=204)


@router.post(
    "/{name}/people",
    status_code=201,
    response_model=PersonView,
    responses=_NEW_PERSON_ERRORS,
    summary="Add a person (no photos yet)",
)
def add_person(name: GalleryName, person: PersonCreate, state: State, key: GalleryWriter):
    try:
        with _tenant_transaction(state) as session:
            gallery = store.find_gallery(session, key.tenant, name)
            added = store.add_person(session, gallery, person)
            view = store.person_views(session, gallery, added.id)[0]
    except store.DuplicateExternalId as error:
        raise ApiError(
            409, ErrorCode.PERSON_EXISTS, f"external_id {person.external_id!r} is taken"
        ) from error
    _audit(state, key, "person.add", gallery=name, person=added.id)
    return view


@router.get(
    "/{name}/people", response_model=list[PersonView], responses=_ERRORS, summary="List people"
)
def list_people(name: GalleryName, state: State, key: GalleryReader):
    with _tenant_transaction(state) as session:
        return store.person_views(session, store.find_gallery(session, key.tenant, name))


@router.get(
    "/{name}/people/{person_id}",
    response_model=PersonView,
    responses=_PERSON_ERRORS,
    summary="A person",
)
def get_person(name: GalleryName, person_id: Id, state: State, key: GalleryReader):
    with _tenant_transaction(state) as session:
        gallery = store.find_gallery(session, key.tenant, name)
        store.find_person(session, gallery, person_id)
        return store.person_views(session, gallery, person_id)[0]


@router.delete(
    "/{name}/people/{person_id}",
    status_code=204,
    responses=_PERSON_ERRORS,
    summary="Erase a person: their photos and embeddings are deleted",
)
def delete_person(name: GalleryName, person_id: Id, state: State, key: GalleryWriter) -> Response:
    with _tenant_transaction(state) as session:
        gallery = store.find_gallery(session, key.tenant, name)
        photos = store.delete_person(session, gallery, person_id)
    state.galleries.indexes.drop(gallery.id)
    _audit(state, key, "person.delete", gallery=name, person=person_id, photos=photos)
    return Response(status_code=204)


def _enrol(state: ServiceState, key: ApiKeyRecord, name: str, person_id: str, data: bytes):
    with transaction(state.galleries) as session:
        store.find_person(session, store.find_gallery(session, key.tenant, name), person_id)
    png, face = embedded_photo(state, data)
    with transaction(state.galleries) as session:
        gallery = store.find_gallery(session, key.tenant, name)
        person = store.find_person(session, gallery, person_id)
        photo = store.add_photo(session, gallery, person, png, face)
    state.galleries.indexes.added(gallery.id, gallery.version, photo.key, face.embedding)
    _audit(state, key, "photo.enrol", gallery=name, person=person_id, photo=photo.id)
    return store.photo_view(photo)


@router.post(
    "/{name}/people/{person_id}/photos",
    status_code=201,
    response_model=PhotoView,
    responses=_ENROL_ERRORS,
    openapi_extra=_IMAGE_BODY,
    summary="Enrol a photo (multipart field `image`): its largest face is embedded and stored",
)
async def enrol_photo(
    name: GalleryName, person_id: Id, request: Request, state: State, key: GalleryWriter
):
    data = await read_image_field(
        request.headers.get("content-type"), request.stream(), state.settings.max_upload_bytes
    )
    try:
        return await run_in_threadpool(_enrol, state, key, name, person_id, data)
    except LookupError as error:
        raise _not_found(error) from error


@router.delete(
    "/{name}/people/{person_id}/photos/{photo_id}",
    status_code=204,
    responses=_PHOTO_ERRORS,
    summary="Erase one photo and its embedding",
)
def delete_photo(
    name: GalleryName, person_id: Id, photo_id: Id, state: State, key: GalleryWriter
) -> Response:
    with _tenant_transaction(state) as session:
        gallery = store.find_gallery(session, key.tenant, name)
        person = store.find_person(session, gallery, person_id)
        store.delete_photo(session, gallery, person, photo_id)
    state.galleries.indexes.drop(gallery.id)
    _audit(state, key, "photo.delete", gallery=name, person=person_id, photo=photo_id)
    return Response(status_code=204)


def _search(state: ServiceState, key: ApiKeyRecord, name: str, data: bytes, top_k: int):
    with transaction(state.galleries) as session:
        store.find_gallery(session, key.tenant, name)
    _, face = embedded_photo(state, data)
    with transaction(state.galleries) as session:
        gallery = store.find_gallery(session, key.tenant, name)
        indexes = state.galleries.indexes
        found = search_galleries(
            session, indexes, [gallery], face.embedding, top_k, PHOTO_THRESHOLD
        )
    return PhotoSearch(box=list(face.box), **found.model_dump())


@router.post(
    "/{name}/search",
    response_model=PhotoSearch,
    responses=_SEARCH_ERRORS,
    openapi_extra=_IMAGE_BODY,
    summary="Who is this? The people closest to the photo's largest face (multipart `image`)",
)
async def search_photo(
    name: GalleryName,
    request: Request,
    state: State,
    key: GalleryReader,
    top_k: Annotated[int, Query(ge=1, le=MAX_TOP_K)] = 5,
):
    data = await read_image_field(
        request.headers.get("content-type"), request.stream(), state.settings.max_upload_bytes
    )
    try:
        return await run_in_threadpool(_search, state, key, name, data, top_k)
    except LookupError as error:
        raise _not_found(error) from error
