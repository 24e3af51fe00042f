"""The model-file section of the evidence: every repository file hashed, export facts kept."""

import hashlib
import json
from pathlib import Path

from worker.model_files import model_files_facts


def test_every_file_is_hashed_and_export_facts_are_kept(tmp_path: Path) -> None:
    (tmp_path / "ism" / "1").mkdir(parents=True)
    (tmp_path / "ism" / "1" / "model.pt").write_bytes(b"weights")
    (tmp_path / "ism" / "config.pbtxt").write_text('name: "ism"')
    (tmp_path / "ism" / "1" / "__pycache__").mkdir()
    (tmp_path / "ism" / "1" / "__pycache__" / "model.pyc").write_bytes(b"cache")
    export = {"variant": "tiny", "checkpoint_sha256": "c" * 64, "config": {"big": "ignored"}}
    (tmp_path / "export.json").write_text(json.dumps(export))

    facts = model_files_facts(tmp_path, "1")
    assert set(facts["files"]) == {"export.json", "ism/config.pbtxt", "ism/1/model.pt"}
    assert facts["files"]["ism/1/model.pt"] == hashlib.sha256(b"weights").hexdigest()
    assert facts["export"]["checkpoint_sha256"] == "c" * 64 and "config" not in facts["export"]


def test_unavailable_hashes_say_why(tmp_path: Path) -> None:
    assert "not set" in model_files_facts(None, "1")["unavailable"]
    assert "not found" in model_files_facts(tmp_path / "absent", "1")["unavailable"]
