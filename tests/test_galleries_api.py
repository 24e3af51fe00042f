"""Galleries through the API against the real PostgreSQL (a schema per test) and the real Redis
(keys and the audit log): enrol, search by photo, tenants, scopes, erasure, two processes."""

import io
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from gallery_db import DATABASE_URL, gallery_schema  # noqa: F401 - the fixture
from hostile_videos import small_clip
from PIL import Image
from redis import Redis
from service_stack import API_KEY, REDIS_URL
from sqlalchemy import text

from dfrec_contract.apikeys import KeyStore, Quota, Scope
from service.app import create_app
from service.config import ServiceSettings
from worker.localrun.processes import free_port

GALLERY = "/v1/galleries/protected"


@pytest.fixture
def photos(celeba_root: Path) -> Callable[[int, int], bytes]:
    """photos(person, n): the n-th JPEG of the person-th identity."""
    identities = sorted(path for path in celeba_root.iterdir() if path.is_dir())
    return lambda person, n: sorted(identities[person].glob("*.jpg"))[n].read_bytes()


@pytest.fixture
def stack(redis: Redis, gallery_schema: str) -> Iterator[Callable[..., TestClient]]:  # noqa: F811
    """Builds API processes sharing one key prefix and one gallery schema (unless overridden)."""
    prefix = f"dfrec-test-{uuid.uuid4().hex[:12]}:"
    clients: list[TestClient] = []
    settings = ServiceSettings(
        env="test",
        redis_url=REDIS_URL,
        redis_key_prefix=prefix,
        triton_http_url=f"http://127.0.0.1:{free_port()}",
        development_api_key=API_KEY,
        database_url=DATABASE_URL,
        database_schema=gallery_schema,
    )

    def build(**overrides) -> TestClient:
        app = create_app(settings.model_copy(update=overrides))
        client = TestClient(app, headers={"Authorization": f"Bearer {API_KEY}"})
        client.__enter__()
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.__exit__(None, None, None)
    keys = list(redis.scan_iter(match=f"{prefix}*"))
    if keys:
        redis.delete(*keys)


def image_field(data: bytes) -> dict:
    return {"image": ("photo.jpg", data, "application/octet-stream")}


def add_person(client: TestClient, external_id: str) -> str:
    body = {"label": f"person {external_id}", "external_id": external_id, "consent_reference": "c1"}
    response = client.post(f"{GALLERY}/people", json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def enrol(client: TestClient, person: str, data: bytes) -> dict:
    response = client.post(f"{GALLERY}/people/{person}/photos", files=image_field(data))
    assert response.status_code == 201, response.text
    return response.json()


def search(client: TestClient, data: bytes) -> list[dict]:
    response = client.post(f"{GALLERY}/search", files=image_field(data))
    assert response.status_code == 200, response.text
    return response.json()["matches"]


def key_for(client: TestClient, tenant: str, scopes: set[Scope]) -> dict:
    state = client.app.state.service
    key, _ = KeyStore(state.redis, state.settings.redis_key_prefix).create(
        "test", tenant, frozenset(scopes), Quota()
    )
    return {"Authorization": f"Bearer {key}"}


def test_enrol_search_and_erase(stack, photos) -> None:
    client = stack()
    assert client.put(GALLERY).status_code == 201
    assert client.put(GALLERY).status_code == 200
    first, second = add_person(client, "a"), add_person(client, "b")
    duplicate = client.post(
        f"{GALLERY}/people", json={"label": "x", "external_id": "a", "consent_reference": "c"}
    )
    assert duplicate.status_code == 409 and duplicate.json()["error"]["code"] == "person_exists"
    enrolled = [enrol(client, first, photos(0, 0)), enrol(client, first, photos(0, 1))]
    enrol(client, second, photos(1, 0))
    blank = io.BytesIO()
    Image.new("RGB", (200, 200), "gray").save(blank, format="PNG")
    no_face = client.post(f"{GALLERY}/people/{first}/photos", files=image_field(blank.getvalue()))
    assert no_face.status_code == 422 and no_face.json()["error"]["code"] == "no_face"
    assert client.get(GALLERY).json() == {
        "name": "protected",
        "version": 3,
        "people": 2,
        "photos": 3,
    }

    matches = search(client, photos(0, 2))
    assert matches[0]["person_id"] == first and matches[0]["same_person"]
    assert [m["person_id"] for m in matches] == [first, second]
    assert search(client, photos(0, 2)) == matches  # same input, same answer

    other_process = stack()
    assert search(other_process, photos(0, 2)) == matches
    state = client.app.state.service
    schema = state.settings.database_schema
    ids = [photo["id"] for photo in enrolled]
    rows = f'SELECT gallery_id, key FROM "{schema}".photos WHERE id = ANY(:ids) OR person_id = :p'
    with state.galleries.engine.connect() as connection:
        erased_vectors = connection.execute(text(rows), {"ids": ids, "p": first}).all()
    assert len(erased_vectors) == 2
    assert all(other_process.app.state.service.galleries.indexes.holds(*v) for v in erased_vectors)

    assert client.delete(f"{GALLERY}/people/{first}").status_code == 204
    assert [m["person_id"] for m in search(other_process, photos(0, 2))] == [second]
    assert client.get(f"{GALLERY}/people/{first}").json()["error"]["code"] == "person_not_found"
    with state.galleries.engine.connect() as connection:
        assert connection.execute(text(rows), {"ids": ids, "p": first}).all() == []
        people = f'SELECT count(*) FROM "{schema}".people WHERE id = :p'
        assert connection.execute(text(people), {"p": first}).scalar() == 0
    for process in (client, other_process):
        indexes = process.app.state.service.galleries.indexes
        assert not any(indexes.holds(*vector) for vector in erased_vectors)
    audit = "\n".join(KeyStore(state.redis, state.settings.redis_key_prefix).audit_lines())
    for action in ("gallery.create", "gallery.person.add", "gallery.photo.enrol"):
        assert action in audit
    assert '"gallery.person.delete"' in audit and '"photos": 2' in audit


def test_other_tenants_and_scopes(stack, photos) -> None:
    client = stack()
    client.put(GALLERY)
    person = add_person(client, "a")
    stranger = key_for(client, "other", {Scope.GALLERY_READ, Scope.GALLERY_WRITE})
    theirs = client.get(GALLERY, headers=stranger)
    missing = client.get("/v1/galleries/missing", headers=stranger)
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["error"]["code"] == missing.json()["error"]["code"] == "gallery_not_found"
    deleted = client.delete(f"{GALLERY}/people/{person}", headers=stranger)
    assert deleted.status_code == 404
    reader = key_for(client, "development", {Scope.GALLERY_READ})
    assert client.get(f"{GALLERY}/people", headers=reader).json()[0]["id"] == person
    refused = client.delete(f"{GALLERY}/people/{person}", headers=reader)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    submitter = key_for(client, "development", {Scope.SUBMIT})
    assert client.get(GALLERY, headers=submitter).status_code == 403
    bad_name = client.put("/v1/galleries/Bad Name!")
    assert bad_name.status_code == 422 and bad_name.json()["error"]["code"] == "invalid_request"


def test_bad_input_is_a_4xx_and_a_lost_database_a_503(stack, photos) -> None:
    client = stack()
    client.put(GALLERY)
    person = add_person(client, "a")
    photo_path = f"{GALLERY}/people/{person}/photos"
    cases = [
        (client.post(f"{GALLERY}/people", json={"label": ""}), 422, "invalid_request"),
        (client.post(photo_path, content=b"x"), 415, "multipart_required"),
        (
            client.post(photo_path, files=image_field(b"not an image")),
            415,
            "unsupported_media_type",
        ),
        (client.post(f"{GALLERY}/search?top_k=0", files=image_field(b"x")), 422, "invalid_request"),
        (
            client.post(f"{GALLERY}/people/{'0' * 32}/photos", files=image_field(photos(0, 0))),
            404,
            "person_not_found",
        ),
        (client.delete(f"{photo_path}/{'0' * 32}"), 404, "photo_not_found"),
        (  # a video's tracks are not searched: refused, not silently ignored
            client.post(
                "/v1/recover?galleries=protected",
                files={"image": ("clip.mp4", small_clip(), "video/mp4")},
            ),
            422,
            "invalid_request",
        ),
    ]
    for response, status, code in cases:
        assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    lost = stack(database_url=f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test")
    unmigrated = stack(database_schema="galleries_never_migrated")
    for process in (lost, unmigrated):
        down = process.get(GALLERY)
        assert (down.status_code, down.json()["error"]["code"]) == (503, "database_unavailable")
