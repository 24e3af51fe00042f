"""Photos with several faces, and with none, through the real stack and the Python client:
per-face results, faces back in context, signed evidence that verifies and then does not."""

import asyncio
import io
import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from photos import gradient_photo, group_photo, jpeg_bytes, png_bytes
from PIL import Image
from service_stack import AUTH

from client import AsyncDfrecClient, DfrecClient
from dfrec_contract.evidence import public_keys_from_jwks, verify

pytestmark = [pytest.mark.service, pytest.mark.slow, pytest.mark.data]

MIN_FACE_SIZE = "110"
"""Between the group photo's face boxes (~149, ~124, ~104 px): the smallest is too small."""
JOB_TIMEOUT = 120.0


def flip_one_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def test_group_photo_per_face_results_context_and_evidence(
    make_stack, celeba_root: Path, tmp_path: Path
) -> None:
    stack = make_stack(DFREC_MIN_FACE_SIZE=MIN_FACE_SIZE)
    photo = group_photo(celeba_root)
    with DfrecClient(stack.api_url, api_key=stack.api_key) as client:
        job = client.wait(client.submit(jpeg_bytes(photo), "group.jpg").id, JOB_TIMEOUT)
        assert job.status == "succeeded", job
        result = job.result
        assert result.faces_detected == 3 and len(result.faces) == 3
        assert [face.status for face in result.faces] == [
            "succeeded",
            "succeeded",
            "not_applicable",
        ]
        assert result.faces[2].reason == "face_too_small" and not result.faces[2].artifacts
        for face in result.faces[:2]:
            assert 0.0 <= face.fake_probability <= 1.0 and len(face.landmarks) == 5
            assert set(face.artifacts) == {"crop", "mask", "source", "target", "heatmap"}
        assert result.fake_probability == max(face.fake_probability for face in result.faces[:2])
        for name in ("context_target", "context_source", "context_heatmap"):
            context = result.artifacts[name]
            assert (context.width, context.height) == photo.size
        files = client.download(job, tmp_path / "job")
        manifest = client.evidence(job.id)
        keys = public_keys_from_jwks(client.evidence_keys())

    assert {path.name for path in files} == {f"{n}.png" for n in result.artifacts} | {
        "evidence.json"
    }
    context = Image.open(io.BytesIO((tmp_path / "job" / "context_target.png").read_bytes()))
    assert context.size == photo.size and context.mode == "RGB"
    assert manifest["faces_detected"] == 3 and manifest["input"]["sha256"] == job.input.sha256
    assert manifest["model"]["export"]["checkpoint_sha256"]
    assert "ism/1/model.pt" in manifest["model"]["files"]
    assert set(manifest["timings_ms"]) >= {"queue_wait", "preprocess", "infer"}
    assert verify(manifest, artifacts=tmp_path / "job", public_keys=keys) == []
    flip_one_byte(tmp_path / "job" / "face1_source.png")
    assert verify(manifest, artifacts=tmp_path / "job", public_keys=keys) == [
        "face1_source.png: content differs from the manifest"
    ]


def test_same_photo_twice_gives_identical_artifacts_and_hashes(
    make_stack, celeba_root: Path, tmp_path: Path
) -> None:
    """With the async client: two submissions of one photo, byte for byte the same outputs."""
    stack = make_stack()
    data = png_bytes(group_photo(celeba_root))

    async def run_twice() -> list:
        async with AsyncDfrecClient(stack.api_url, api_key=stack.api_key) as client:
            accepted = [await client.submit(data, "group.png") for _ in range(2)]
            jobs = [await client.wait(job.id, JOB_TIMEOUT) for job in accepted]
            for index, job in enumerate(jobs):
                await client.download(job, tmp_path / str(index))
            return jobs

    first, second = asyncio.run(run_twice())
    assert first.id != second.id and first.status == second.status == "succeeded"
    hashes = [{n: a.sha256 for n, a in job.result.artifacts.items()} for job in (first, second)]
    # per face crop, mask, source, target, heatmap (LRE); mask, source, target; 3 in context
    assert hashes[0] == hashes[1] and len(hashes[0]) == 3 * 5 + 3 + 3
    for name in hashes[0]:
        path = f"{name}.png"
        assert (tmp_path / "0" / path).read_bytes() == (tmp_path / "1" / path).read_bytes()
    manifests = [json.loads((tmp_path / i / "evidence.json").read_text()) for i in ("0", "1")]
    assert manifests[0]["artifacts"] == manifests[1]["artifacts"]
    assert manifests[0]["faces"] == manifests[1]["faces"]


def test_photo_without_a_face_is_not_applicable(make_stack, tmp_path: Path) -> None:
    stack = make_stack()
    with DfrecClient(stack.api_url, api_key=stack.api_key) as client:
        job = client.wait(client.submit(png_bytes(gradient_photo()), "plain.png").id, JOB_TIMEOUT)
        manifest = client.evidence(job.id)
        keys = public_keys_from_jwks(client.evidence_keys())
    assert job.status == "not_applicable" and job.error is None
    assert job.result.reason == "no_face" and job.result.faces == []
    assert job.result.fake_probability is None and job.result.artifacts == {}
    assert manifest["status"] == "not_applicable" and manifest["reason"] == "no_face"
    assert verify(manifest, artifacts=tmp_path, public_keys=keys) == []
    missing = httpx.get(f"{stack.api_url}/jobs/{job.id}/artifacts/mask.png", headers=AUTH)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "artifact_not_found"


def test_cli_submit_download_verify(make_stack, portrait, tmp_path: Path) -> None:
    stack = make_stack()
    image = tmp_path / "face.jpg"
    image.write_bytes(portrait(5))
    cli = [sys.executable, "-m", "client", "--url", stack.api_url, "--api-key", stack.api_key]

    def run(*arguments: str) -> subprocess.CompletedProcess:
        return subprocess.run([*cli, *arguments], capture_output=True, text=True, timeout=180)

    submitted = run("submit", str(image), "--wait")
    assert submitted.returncode == 0, submitted.stderr
    job = json.loads(submitted.stdout)
    assert job["status"] == "succeeded" and len(job["result"]["faces"]) == 1
    out = tmp_path / "out"
    assert run("download", job["id"], "--out", str(out)).returncode == 0
    keys = run("keys")
    assert keys.returncode == 0, keys.stderr
    (tmp_path / "dfrec-keys.json").write_text(keys.stdout)
    check = ["verify", str(out / "evidence.json"), "--artifacts", str(out)]
    check += ["--public-keys", str(tmp_path / "dfrec-keys.json")]
    verified = run(*check)
    assert verified.returncode == 0 and "verified" in verified.stdout, verified.stderr
    flip_one_byte(out / "context_target.png")
    refused = run(*check)
    assert refused.returncode == 1 and "context_target.png" in refused.stderr
