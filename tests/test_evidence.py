"""The evidence manifest: signed, verifiable, and broken by any change to it or its files."""

import hashlib
import json
from pathlib import Path

import pytest

from client.cli import main as client_main
from dfrec_contract.evidence import key_id, sign, verify

KEY = b"a-test-key-of-enough-length-0123456789"


def signed_manifest(folder: Path) -> dict:
    files = {"face0_mask.png": b"\x89PNG mask", "context_target.png": b"\x89PNG context"}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    artifacts = {
        name: {"sha256": hashlib.sha256(data).hexdigest(), "size_bytes": len(data)}
        for name, data in files.items()
    }
    return sign({"format": "dfrec-evidence/1", "job_id": "j", "artifacts": artifacts}, KEY)


def test_a_signed_manifest_verifies_with_its_files(tmp_path: Path) -> None:
    manifest = signed_manifest(tmp_path)
    assert manifest["signature"]["key_id"] == key_id(KEY)
    assert verify(manifest, KEY, tmp_path) == []
    relaid = json.loads(json.dumps(manifest, indent=4))  # the layout does not matter
    assert verify(relaid, KEY) == []


def test_one_changed_artifact_byte_fails(tmp_path: Path) -> None:
    manifest = signed_manifest(tmp_path)
    path = tmp_path / "face0_mask.png"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01
    path.write_bytes(bytes(data))
    assert verify(manifest, KEY, tmp_path) == ["face0_mask.png: content differs from the manifest"]


def test_a_missing_artifact_fails(tmp_path: Path) -> None:
    manifest = signed_manifest(tmp_path)
    (tmp_path / "context_target.png").unlink()
    assert verify(manifest, KEY, tmp_path) == ["context_target.png: missing"]


def test_an_edited_field_or_another_key_fails(tmp_path: Path) -> None:
    manifest = signed_manifest(tmp_path)
    edited = {**manifest, "job_id": "k"}
    assert verify(edited, KEY) == ["the signature does not match the manifest's content"]
    assert "not with the given key" in verify(manifest, b"another key")[0]
    unsigned = {key: value for key, value in manifest.items() if key != "signature"}
    assert verify(unsigned, KEY) == ["the manifest has no signature"]


def test_cli_verify_exit_status(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    manifest_path = tmp_path / "evidence.json"
    manifest_path.write_text(json.dumps(signed_manifest(tmp_path)))
    arguments = ["verify", str(manifest_path), "--artifacts", str(tmp_path)]
    assert client_main([*arguments, "--key", KEY.decode()]) == 0
    assert "verified: signature valid, 2 artifact files match" in capsys.readouterr().out
    assert client_main([*arguments, "--key", "wrong"]) == 1
    assert "NOT VERIFIED" in capsys.readouterr().err


def test_development_signatures_are_named_and_refused_unless_allowed(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """A forger holding the public development key signs a manifest: verify says so."""
    from dfrec_contract.evidence import DEVELOPMENT_KEY, DEVELOPMENT_KEY_ID

    dev_key = DEVELOPMENT_KEY.encode()
    forged = sign({"job_id": "x", "fake_probability": 0.01}, dev_key)
    assert forged["signature"]["key_id"] == DEVELOPMENT_KEY_ID
    assert "PUBLIC development key" in verify(forged, dev_key)[0]
    assert verify(forged, dev_key, allow_development_key=True) == []

    path = tmp_path / "evidence.json"
    path.write_text(json.dumps(forged))
    assert client_main(["verify", str(path), "--key", DEVELOPMENT_KEY]) == 1
    assert "PUBLIC development key" in capsys.readouterr().err
    assert client_main(["verify", str(path), "--allow-development-key"]) == 0
    captured = capsys.readouterr()
    assert "PUBLIC development key" in captured.err and "verified" in captured.out
