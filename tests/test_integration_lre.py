"""LRE through the whole service: the bundled Triton on the tiny random-weight repository (which
carries an lre-tiny model beside DFREC), a real worker and API. A portrait yields, per face,
LRE's probability and heat map, the heat map over the photo in context, every one of them hashed
into the signed evidence manifest, and the Python client exposes them."""

import hashlib
import io
import json

import httpx
import pytest
from PIL import Image

from client import DfrecClient
from dfrec_contract.evidence import public_keys_from_jwks, verify

pytestmark = [pytest.mark.service, pytest.mark.slow]


def test_portrait_yields_lre_score_and_heat_maps(make_stack, portrait, tmp_path) -> None:
    stack = make_stack()
    data = portrait(5)
    with DfrecClient(stack.api_url, api_key=stack.api_key) as client:
        job = client.wait(client.submit(data, filename="face.jpg").id, timeout=120)
        assert job.status.value == "succeeded", job
        result = job.result
        face = result.faces[0]
        assert face.lre_fake_probability is not None
        assert 0.0 <= face.lre_fake_probability <= 1.0
        assert face.heatmap == "face0_heatmap"
        assert result.context_heatmap is not None
        files = {path.name: path for path in client.download(job, tmp_path / "job")}

    heatmap = Image.open(io.BytesIO(files["face0_heatmap.png"].read_bytes()))
    assert heatmap.mode == "L" and heatmap.size == (result.image_size, result.image_size)
    photo = Image.open(io.BytesIO(data))
    context = Image.open(io.BytesIO(files["context_heatmap.png"].read_bytes()))
    assert context.mode == "RGB" and context.size == photo.size

    manifest = json.loads(files["evidence.json"].read_text())
    for name in ("face0_heatmap.png", "context_heatmap.png"):
        assert (
            manifest["artifacts"][name]["sha256"]
            == hashlib.sha256(files[name].read_bytes()).hexdigest()
        )
    assert manifest["faces"][0]["lre_fake_probability"] == face.lre_fake_probability
    assert any(path.startswith("lre/") for path in manifest["model"]["files"])
    published = httpx.get(f"{stack.api_url}/.well-known/dfrec-keys.json").json()
    problems = verify(
        manifest, artifacts=tmp_path / "job", public_keys=public_keys_from_jwks(published)
    )
    assert problems == []
