"""Videos through the real stack (API, two Celery workers, Triton, Redis): clips made here with
PyAV from celeba-id portraits, cut into 1-second chunks spread over the workers, come back as
one track per person (linked across chunks), with timeline, verdict, recovered faces, contact
sheet and signed evidence over the video's SHA-256; progress is shown while the job runs; the
same video gives the same bytes; a rotated WebM is turned upright."""

import hashlib
import io
import time
from pathlib import Path

import av
import httpx
import numpy as np
import pytest
from service_stack import AUTH
from videos import encode_frames, people_clip, people_frames

from client import DfrecClient
from dfrec_contract.evidence import public_keys_from_jwks, verify

pytestmark = [pytest.mark.service, pytest.mark.slow, pytest.mark.data]

JOB_TIMEOUT = 180.0
SECONDS, FPS = 3.0, 10
SAMPLES = 6
"""At 2 samples a second: the frames at 0, 0.5, ..., 2.5 s of the 3-second clip."""
CHUNKS = [(0.0, 1.0), (1.0, 2.0), (2.0, None)]
"""1-second chunks of the 3-second clip's 6 samples (the last one open to the end)."""


def submit(api: httpx.Client, video: bytes, filename: str, key: str | None = None) -> str:
    headers = {"Idempotency-Key": key} if key else {}
    files = {"image": (filename, video, "video/mp4")}
    response = api.post("/recover", files=files, headers=headers)
    assert response.status_code == 202, response.text
    assert response.json()["input"]["video"] is not None
    return response.json()["id"]


def wait(api: httpx.Client, job_id: str, progress: set) -> dict:
    deadline = time.monotonic() + JOB_TIMEOUT
    while time.monotonic() < deadline:
        job = api.get(f"/jobs/{job_id}").json()
        if job["progress"] is not None:
            progress.add((job["progress"]["frames_done"], job["progress"]["frames_total"]))
        if job["status"] in ("succeeded", "failed", "not_applicable"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish in {JOB_TIMEOUT} s")


def artifacts(api: httpx.Client, job: dict) -> dict[str, bytes]:
    """File name (as served) -> bytes of every artifact."""
    return {
        facts["url"].rsplit("/", 1)[1]: api.get(facts["url"]).content
        for facts in job["result"]["artifacts"].values()
    }


def preview_frames(data: bytes) -> int:
    with av.open(io.BytesIO(data)) as container:
        return sum(1 for _ in container.decode(container.streams.video[0]))


def check_tracks(result: dict) -> None:
    tracks = result["tracks"]
    assert len(tracks) == 2, [track["frames_seen"] for track in tracks]
    for track in tracks:
        frames = [point["frame"] for point in track["timeline"]]
        assert track["frames_seen"] == len(frames) == SAMPLES
        assert frames == sorted(frames) and frames[0] == 0
        assert set(track["suspicious_frames"]) <= set(frames) and track["best_frame"] in frames
        probabilities = sorted((p["fake_probability"] for p in track["timeline"]), reverse=True)
        assert track["fake_probability"] == pytest.approx(np.mean(probabilities[:2]), abs=1e-6)
        assert track["verdict"] == ("fake" if track["fake_probability"] >= 0.5 else "real")
        assert set(track["artifacts"]) == {"crop", "mask", "source", "target", "heatmap"}
    left = [np.mean([p["box"][0] for p in track["timeline"]]) for track in tracks]
    assert abs(left[0] - left[1]) > 200, "the two tracks are the two people"
    video = result["video"]
    assert video["frames_sampled"] == SAMPLES and video["frames_decoded"] == SECONDS * FPS
    assert sum(video["inference_batches"]) == video["faces_processed"] == 2 * SAMPLES
    assert result["faces"] == [] and "contact_sheet" in result["artifacts"]
    assert result["artifacts"]["preview"]["media_type"] == "video/mp4"
    assert result["artifacts"]["preview"]["url"].endswith("/preview.mp4")
    chunks = video["chunks"]
    assert [(chunk["first_seconds"], chunk["end_seconds"]) for chunk in chunks] == CHUNKS
    assert [chunk["frames_sampled"] for chunk in chunks] == [2, 2, 2]
    assert all("@" in chunk["worker"] for chunk in chunks), "the worker's node name"


def test_video_tracks_progress_evidence_and_same_bytes(
    make_stack, celeba_root: Path, tmp_path: Path
) -> None:
    stack = make_stack(workers=2, DFREC_VIDEO_CHUNK_SECONDS="1")
    clip = people_clip(celeba_root, SECONDS, FPS)
    upright = list(people_frames(celeba_root, round(SECONDS * FPS)))
    coded = [np.ascontiguousarray(np.rot90(frame, k=-1)) for frame in upright]
    rotated_webm = encode_frames(coded, FPS, "webm", "libvpx-vp9", rotation=90)
    storage = Path(stack.settings.extra_env["DFREC_VIDEO_STORAGE_DIR"])
    progress: set = set()
    with httpx.Client(base_url=stack.api_url, headers=AUTH, timeout=30) as api:
        ids = [submit(api, clip, "a.mp4"), submit(api, clip, "b.mp4", key="video-b")]
        replay = api.post(
            "/recover",
            files={"image": ("b.mp4", clip, "video/mp4")},
            headers={"Idempotency-Key": "video-b"},
        )
        assert replay.status_code == 200 and replay.json()["id"] == ids[1], "replayed"
        with DfrecClient(stack.api_url, api_key=stack.api_key) as client:
            seen: list = []
            turned_job = client.submit(rotated_webm, "turned.webm")
            ids.append(turned_job.id)
            typed = client.wait(turned_job.id, JOB_TIMEOUT, seen.append)
        assert len(typed.result.tracks) == 2 and typed.progress.frames_done == SAMPLES
        assert all(job.progress is not None for job in seen if job.status == "running")
        jobs = [wait(api, job_id, progress) for job_id in ids]
        for job in jobs:
            assert job["status"] == "succeeded", job
            check_tracks(job["result"])
            assert job["progress"] == {"frames_done": SAMPLES, "frames_total": SAMPLES}
        first, second, turned = jobs
        assert turned["input"]["video"]["rotation"] == 90
        assert (turned["input"]["width"], turned["input"]["height"]) == (640, 360), "upright"
        files = [artifacts(api, job) for job in (first, second)]
        assert files[0] == files[1], "same video, same artifact bytes"
        assert first["result"]["tracks"] == second["result"]["tracks"]
        manifest = api.get(f"/jobs/{first['id']}/evidence").json()
        keys = public_keys_from_jwks(api.get("/.well-known/dfrec-keys.json").json())
    assert (SAMPLES, SAMPLES) in progress and all(done <= total for done, total in progress)
    assert manifest["input"]["sha256"] == hashlib.sha256(clip).hexdigest()
    assert manifest["input"]["video"]["stored_as"].endswith(".mp4")
    assert set(manifest["artifacts"]) == set(files[0])
    for name, data in files[0].items():
        assert manifest["artifacts"][name]["sha256"] == hashlib.sha256(data).hexdigest()
    assert preview_frames(files[0]["preview.mp4"]) == SAMPLES
    assert len(manifest["tracks"]) == 2
    assert verify(manifest, public_keys=keys) == []
    assert not any(storage.iterdir()), "each stored video is deleted when its job ends"
    workers = {chunk["worker"] for job in jobs for chunk in job["result"]["video"]["chunks"]}
    print(f"chunks processed by {sorted(workers)}")


def test_a_killed_worker_loses_no_chunk(make_stack, celeba_root: Path) -> None:
    """SIGKILL the only worker while it holds a chunk; a new worker takes every chunk, the
    killed one's after the visibility timeout, and the job is answered whole."""
    broker = {
        "DFREC_VISIBILITY_TIMEOUT_SECONDS": "4",
        "DFREC_BROKER_RESTORE_INTERVAL_SECONDS": "1",
        "DFREC_TRITON_TIMEOUT_SECONDS": "3",
        "DFREC_TRITON_RETRY_BACKOFF_MAX_SECONDS": "2",
        "DFREC_WEBHOOK_TIMEOUT_SECONDS": "2",
    }
    stack = make_stack(
        workers=1, DFREC_VIDEO_CHUNK_SECONDS="1", DFREC_TEST_STAGE_DELAY_SECONDS="30", **broker
    )
    with httpx.Client(base_url=stack.api_url, headers=AUTH, timeout=30) as api:
        job_id = submit(api, people_clip(celeba_root, SECONDS, FPS), "a.mp4")
        deadline = time.monotonic() + JOB_TIMEOUT
        while api.get(f"/jobs/{job_id}").json()["stage"] != "infer":
            assert time.monotonic() < deadline
            time.sleep(0.2)
        time.sleep(2.0)  # the worker has taken chunk 0 and sleeps in the test hook
        stack.workers[0].kill()
        replacement = stack.new_worker("replacement", DFREC_TEST_STAGE_DELAY_SECONDS="0")
        stack.workers.append(replacement.start())
        job = wait(api, job_id, set())
    assert job["status"] == "succeeded", job
    check_tracks(job["result"])
    assert {chunk["worker"].split("@")[0] for chunk in job["result"]["video"]["chunks"]} == {
        "replacement"
    }
