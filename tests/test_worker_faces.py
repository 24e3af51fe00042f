"""Per-face processing without Triton: detection, alignment, per-face reports and images,
faces pasted back into the photo, and the signed manifest of it all."""

import io
import json
from pathlib import Path

import numpy as np
import pytest
from photos import gradient_photo, group_photo
from PIL import Image

from dfrec_contract.evidence import (
    Ed25519PrivateKey,
    public_jwk,
    public_keys_from_jwks,
    signing_key_pem,
    verify,
)
from dfrec_contract.record import InputFacts, JobRecord
from dfrec_contract.status import JobStatus
from worker.config import WorkerSettings
from worker.detection import DetectionBudget
from worker.ensemble import EnsembleInfo, EnsembleOutputs
from worker.evidence import evidence_manifest, signed_evidence
from worker.face_results import face_outcome
from worker.faces import find_faces, model_input

pytestmark = pytest.mark.data

SIZE = 64
BUDGET = DetectionBudget(first_pixels=500_000, max_pixels=2_000_000)
INFO = EnsembleInfo("dfrec", "1", "test", "tiny", SIZE, 16, 8)


@pytest.fixture(scope="module")
def photo(celeba_root: Path) -> np.ndarray:
    return np.asarray(group_photo(celeba_root))


def fake_outputs(count: int) -> EnsembleOutputs:
    """Deterministic stand-ins for the ensemble's four outputs."""
    rng = np.random.default_rng(count)
    return EnsembleOutputs(
        mask=rng.random((count, 1, SIZE, SIZE), dtype=np.float32),
        fake_probability=np.linspace(0.1, 0.9, count, dtype=np.float32)[:, None],
        source=rng.random((count, 3, SIZE, SIZE), dtype=np.float32),
        target=rng.random((count, 3, SIZE, SIZE), dtype=np.float32),
    )


def test_every_face_is_found_largest_first_and_aligned(photo: np.ndarray) -> None:
    search = find_faces(photo, SIZE, max_faces=8, min_face_size=40, budget=BUDGET)
    assert search.detected_count == 3 and len(search.faces) == 3
    widths = [face.detected.box[2] - face.detected.box[0] for face in search.faces]
    assert widths == sorted(widths, reverse=True)
    lefts = [face.detected.box[0] for face in search.faces]
    assert lefts == sorted(lefts)  # the group photo puts the largest portrait on the left
    batch = model_input(search.processable())
    assert batch.shape == (3, 3, SIZE, SIZE) and batch.dtype == np.float32
    assert batch.min() >= 0.0 and batch.max() <= 1.0


def test_cap_and_minimum_size(photo: np.ndarray) -> None:
    capped = find_faces(photo, SIZE, max_faces=2, min_face_size=40, budget=BUDGET)
    assert capped.detected_count == 3 and len(capped.faces) == 2
    smallest = min(face.detected.box[2] - face.detected.box[0] for face in capped.faces)
    sized = find_faces(photo, SIZE, max_faces=8, min_face_size=smallest + 1, budget=BUDGET)
    assert [face.aligned is not None for face in sized.faces] == [True, False, False]


def test_no_face_in_a_gradient() -> None:
    search = find_faces(
        np.asarray(gradient_photo()), SIZE, max_faces=8, min_face_size=40, budget=BUDGET
    )
    assert search.detected_count == 0
    outcome = face_outcome(np.asarray(gradient_photo()), search, None, 4)
    assert outcome.status is JobStatus.NOT_APPLICABLE and outcome.reason == "no_face"
    assert outcome.artifacts == {} and outcome.faces == []


def test_reports_images_and_context(photo: np.ndarray) -> None:
    search = find_faces(photo, SIZE, max_faces=8, min_face_size=110, budget=BUDGET)
    processed = search.processable()
    outcome = face_outcome(photo, search, fake_outputs(len(processed)), 4)
    assert outcome.status is JobStatus.SUCCEEDED and outcome.reason is None
    statuses = [(face["status"], face["reason"]) for face in outcome.faces]
    assert statuses[-1] == ("not_applicable", "face_too_small")
    assert outcome.fake_probability == max(f["fake_probability"] or 0 for f in outcome.faces)
    kinds = ("crop", "mask", "source", "target")
    expected = {f"face{face.index}_{kind}" for face in processed for kind in kinds}
    expected |= {"mask", "source", "target", "context_target", "context_source"}
    assert set(outcome.artifacts) == expected
    assert outcome.artifacts["mask"] is outcome.artifacts["face0_mask"]
    context = Image.open(io.BytesIO(outcome.artifacts["context_target"].data))
    assert context.size == (photo.shape[1], photo.shape[0])
    pasted = np.asarray(context)
    untouched = search.faces[-1].detected.box  # the too-small face is left as it was
    region = np.s_[untouched[1] : untouched[3], untouched[0] + 20 : untouched[2] - 20]
    assert np.array_equal(pasted[region], photo[region])
    assert not np.array_equal(pasted, photo)


def test_outcome_is_byte_identical_when_repeated(photo: np.ndarray) -> None:
    runs = []
    for _ in range(2):
        search = find_faces(photo, SIZE, max_faces=8, min_face_size=40, budget=BUDGET)
        outcome = face_outcome(photo, search, fake_outputs(3), 4)
        runs.append({name: artifact.data for name, artifact in outcome.artifacts.items()})
    assert runs[0] == runs[1]


def test_manifest_of_a_job_verifies_against_its_files(photo: np.ndarray, tmp_path: Path) -> None:
    settings = WorkerSettings(
        evidence_algorithm="hmac-sha256", evidence_key="k" * 40, model_repository=None
    )
    search = find_faces(photo, SIZE, max_faces=8, min_face_size=40, budget=BUDGET)
    outcome = face_outcome(photo, search, fake_outputs(3), 4)
    facts = InputFacts("ab" * 32, "PNG", photo.shape[1], photo.shape[0], 1234)
    record = JobRecord(
        "f" * 32, JobStatus.RUNNING, "infer", 0.0, 1.0, 0.0, None, 1, facts, None, None
    )
    manifest = evidence_manifest(record, settings, INFO, search, outcome, 4, {"infer": 1.0})
    evidence = signed_evidence(manifest, settings)
    for name, artifact in outcome.artifacts.items():
        (tmp_path / f"{name}.png").write_bytes(artifact.data)
    loaded = json.loads(evidence)
    assert loaded["faces_detected"] == 3 and len(loaded["artifacts"]) == len(outcome.artifacts)
    assert loaded["model"]["unavailable"] == "DFREC_MODEL_REPOSITORY is not set"
    assert verify(loaded, b"k" * 40, tmp_path) == []

    private = Ed25519PrivateKey.generate()
    key_file = tmp_path / "signing.pem"
    key_file.write_bytes(signing_key_pem(private))
    ed25519 = WorkerSettings(evidence_signing_key_file=key_file, model_repository=None)
    signed = json.loads(signed_evidence(manifest, ed25519))
    public_keys = public_keys_from_jwks(public_jwk(private.public_key()))
    assert signed["signature"]["algorithm"] == "ed25519"
    assert verify(signed, artifacts=tmp_path, public_keys=public_keys) == []
