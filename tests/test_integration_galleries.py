"""A job naming a gallery, through the real stack (API and Celery worker processes, Triton on a
tiny random-weight model, Redis), the real PostgreSQL and the Python client: every face's raw
crop, recovered source and recovered target are searched; the raw face names the enrolled
person, and after the person's erasure no job names them."""

from pathlib import Path

import pytest
from gallery_db import DATABASE_URL, gallery_schema  # noqa: F401 - the fixture

from client import ApiError, DfrecClient
from dfrec_contract.galleries import CROP_THRESHOLD

pytestmark = [pytest.mark.service, pytest.mark.slow, pytest.mark.data]

JOB_TIMEOUT = 120.0


def photo(celeba_root: Path, person: int, n: int) -> bytes:
    identities = sorted(path for path in celeba_root.iterdir() if path.is_dir())
    return sorted(identities[person].glob("*.jpg"))[n].read_bytes()


def test_job_searches_every_recovered_face(
    make_stack,
    celeba_root: Path,
    gallery_schema: str,  # noqa: F811
) -> None:
    stack = make_stack(DFREC_DATABASE_URL=DATABASE_URL, DFREC_DATABASE_SCHEMA=gallery_schema)
    query = photo(celeba_root, 0, 1)
    with DfrecClient(stack.api_url, api_key=stack.api_key) as client:
        gallery = client.gallery("protected")
        gallery.create()
        person = gallery.add_person("A", "a", "consent form 1").id
        gallery.enrol(person, photo(celeba_root, 0, 0), "a.jpg")
        assert gallery.search(query).matches[0].person_id == person
        with pytest.raises(ApiError) as missing:
            client.submit(query, "q.jpg", galleries=["protected", "absent"])
        assert missing.value.code == "gallery_not_found"
        job = client.wait(client.submit(query, "q.jpg", galleries=["protected"]).id, JOB_TIMEOUT)
        gallery.delete_person(person)
        after = client.wait(client.submit(query, "q.jpg", galleries=["protected"]).id, JOB_TIMEOUT)

    assert job.status == "succeeded", job
    faces = job.result.gallery_matches
    assert [face.index for face in faces] == [0]
    best = faces[0].raw.matches[0]
    assert best.person_id == person and best.same_person == (best.score >= CROP_THRESHOLD)
    for found in (faces[0].source, faces[0].target):  # a random-weight model: only the shape
        assert len(found.matches) == 1 and found.threshold == faces[0].raw.threshold
    erased = after.result.gallery_matches[0]
    assert erased.raw.matches == erased.source.matches == erased.target.matches == []
