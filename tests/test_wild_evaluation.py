"""The wild evaluation (`dfrec evaluate --wild DIR`): the manifest parser, the per-tool table on
made-up scores, and an end-to-end run on a tiny made-up wild folder of CelebA photos."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from dfrec.evaluation.wild_identity import identity_row
from dfrec.evaluation.wild_manifest import ManifestError, original_photos, read_manifest
from dfrec.evaluation.wild_metrics import OVERALL, threshold_at, tool_table

PROJECT_ROOT = Path(__file__).resolve().parents[1]
WILD_DEV = PROJECT_ROOT.parent / "shared" / "data" / "wild-dev"
HEADER = "file,label,tool,repo,path_in_repo,license,source_file,target_file,notes\n"


def _folder(tmp_path: Path, lines: list[str], files: list[str]) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    for name in files:
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "manifest.csv").write_text(HEADER + "".join(f"{line}\n" for line in lines))
    return tmp_path


def test_manifest_rows_originals_and_their_order(tmp_path):
    folder = _folder(
        tmp_path,
        [
            'fake_1.png,fake,SimSwap,a/b,x.png@1,MIT,src_1.png;src_2.png,tgt_1.png,"a, b"',
            "fake_2.png,fake,DiffFace,a/b,y.png@1,MIT,,,",
            "fake_3.png,fake,SimSwap,a/b,z.png@1,MIT,src_2.png,tgt_1.png,",
            "real_1.jpg,real,,a/b,r.jpg@1,MIT,,,",
        ],
        ["fake_1.png", "fake_2.png", "fake_3.png", "real_1.jpg"]
        + ["src_1.png", "src_2.png", "tgt_1.png"],
    )
    rows = read_manifest(folder)
    assert [row.path.name for row in rows] == [
        "fake_1.png",
        "fake_2.png",
        "fake_3.png",
        "real_1.jpg",
    ]
    assert [row.label for row in rows] == ["fake", "fake", "fake", "real"]
    assert [row.tool for row in rows] == ["SimSwap", "DiffFace", "SimSwap", ""]
    assert [path.name for path in rows[0].sources] == ["src_1.png", "src_2.png"]
    assert rows[1].sources == rows[1].targets == () and rows[3].sources == ()
    assert rows[0].is_fake and not rows[3].is_fake
    assert [path.name for path in original_photos(rows)] == ["src_1.png", "src_2.png", "tgt_1.png"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "fake_1.png,forged,SimSwap,a/b,x,MIT,,,",
            "line 2: label 'forged' is neither of fake, real",
        ),
        ("fake_1.png,fake,,a/b,x,MIT,,,", "line 2: tool '', but a fake names its tool"),
        ("fake_1.png,real,SimSwap,a/b,x,MIT,,,", "a real photo has no tool"),
        ("fake_1.png,fake,SimSwap,a/b,x,MIT,src_9.png,,", "line 2: 'src_9.png' is not a file in"),
        ("fake_9.png,fake,SimSwap,a/b,x,MIT,,,", "line 2: 'fake_9.png' is not a file in"),
    ],
)
def test_manifest_errors_name_the_line_and_the_problem(tmp_path, line, message):
    folder = _folder(tmp_path, [line], ["fake_1.png"])
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        read_manifest(folder)


def test_manifest_missing_or_lacking_columns(tmp_path):
    with pytest.raises(ManifestError, match="no manifest.csv in"):
        read_manifest(tmp_path)
    (tmp_path / "manifest.csv").write_text("file,label\nfake_1.png,fake\n")
    with pytest.raises(ManifestError, match="lacks the columns source_file, target_file, tool"):
        read_manifest(tmp_path)


def test_threshold_allows_floor_of_the_rate_and_ties_stay_below():
    negatives = np.array([0.1, 0.7, 0.7, 0.2])
    assert threshold_at(negatives, 0.01) == 0.7  # floor(0.04) = 0 false alarms: the highest
    assert threshold_at(negatives, 0.25) == 0.7  # 1 allowed, but the tie keeps both below
    assert threshold_at(np.arange(100) / 100, 0.29) == 0.7  # 29 allowed: the 30th highest


def test_tool_table_by_hand():
    negatives = np.arange(20) / 20  # 0, 0.05, ..., 0.95
    fakes = np.array([0.97, 0.92, 0.5, 0.9, 0.3])
    ism = np.r_[fakes, negatives, 0.99]  # the last image is in no set here
    tools = np.array(["A", "A", "A", "B", "B"] + [""] * 21)
    is_fake = np.r_[np.ones(5, bool), np.zeros(21, bool)]
    is_negative = np.r_[np.zeros(5, bool), np.ones(20, bool), False]
    rows = tool_table({"ISM": ism, "reversed": 1.0 - ism}, is_fake, tools, is_negative)
    assert [(row["tool"], row["detector"]) for row in rows] == [
        (tool, detector) for tool in ("A", "B", OVERALL) for detector in ("ISM", "reversed")
    ]
    a, b, overall = rows[0], rows[2], rows[4]
    # AUC: per fake, the negatives below it plus half the ties. A: 20 + 19 + (10 + 0.5) of 60.
    assert a["auc"] == pytest.approx(49.5 / 60) and b["auc"] == pytest.approx(25 / 40)
    assert overall["auc"] == pytest.approx(74.5 / 100)
    assert rows[1]["auc"] == pytest.approx(1 - 49.5 / 60)
    # 1 % of 20: no false alarm allowed, threshold 0.95; 5 %: one allowed, threshold 0.9.
    assert (a["threshold_fpr1"], a["threshold_fpr5"]) == (0.95, 0.9)
    assert (a["caught_fpr1"], a["caught_fpr5"]) == (1 / 3, 2 / 3)
    assert (b["caught_fpr1"], b["caught_fpr5"]) == (0.0, 0.0)  # 0.9 ties the threshold: missed
    assert (overall["caught_fpr1"], overall["caught_fpr5"]) == (1 / 5, 2 / 5)
    assert (a["false_alarms_fpr1"], a["false_alarms_fpr5"]) == (0.0, 0.05)
    assert (a["caught_at_shipped"], b["caught_at_shipped"]) == (2 / 3, 1 / 2)  # 0.5 is not above
    assert (a["fakes"], a["negatives"], overall["fakes"]) == (3, 20, 5)


def test_identity_row_forced_choice():
    source, target = np.eye(3)[[0]].repeat(3, 0), np.eye(3)[[1]].repeat(3, 0)
    queries = np.array([[1.0, 0.1, 0], [0.2, 1.0, 0], [0.9, 0.8, 0]])
    row = identity_row(queries, source, target)
    assert row["pairs"] == 3
    assert (row["names_source"], row["names_target"]) == (2 / 3, 1 / 3)
    assert row["same_as_source"] == 1 / 3  # distance < 0.6 from (1, 0, 0): the first only


@pytest.mark.data
def test_wild_dev_manifest_parses():
    if not (WILD_DEV / "manifest.csv").is_file():
        pytest.skip(f"wild validation set not found at {WILD_DEV} (../shared is absent)")
    rows = read_manifest(WILD_DEV)
    assert sum(row.is_fake for row in rows) == 102 and sum(not row.is_fake for row in rows) == 17
    assert len({row.tool for row in rows if row.is_fake}) == 7
    assert all(path.name.startswith(("src_", "tgt_")) for path in original_photos(rows))


@pytest.fixture(scope="module")
def cache_128(celeba_root):
    from dfrec.data.prepare import DEFAULT_CACHE_DIR, cache_path

    if not cache_path(celeba_root, 128, DEFAULT_CACHE_DIR).is_file():
        pytest.skip("no 128 px face cache: python -m dfrec.data.prepare --size 128")
    return celeba_root


def _tiny_wild_folder(celeba_root: Path, folder: Path) -> Path:
    """2 real photos, 3 fakes of two made-up tools (one forged by `dfrec forge`'s synthesizer,
    two merely labelled fake), and their originals: all CelebA photos of different people."""
    from dfrec.forge import run_forge

    people = sorted(path for path in celeba_root.iterdir() if path.is_dir())[:7]
    photos = [sorted(person.glob("*.jpg"))[0] for person in people]
    folder.mkdir()
    names = ["real_1.jpg", "real_2.jpg", "fake_1.jpg", "fake_2.jpg", "src_1.jpg", "src_2.jpg"]
    for name, photo in zip(names + ["tgt_1.jpg"], photos, strict=True):
        shutil.copy(photo, folder / name)
    run_forge(folder / "src_2.jpg", folder / "tgt_1.jpg", "swap", 0, folder / "fake_3.png")
    lines = [
        "real_1.jpg,real,,a/b,r1,MIT,,,",
        "real_2.jpg,real,,a/b,r2,MIT,,,",
        "fake_1.jpg,fake,ToolA,a/b,f1,MIT,src_1.jpg,tgt_1.jpg,",
        "fake_2.jpg,fake,ToolA,a/b,f2,MIT,src_2.jpg;src_1.jpg,,",
        "fake_3.png,fake,Tool B (swap),a/b,f3,MIT,src_2.jpg,tgt_1.jpg,forged",
    ]
    (folder / "manifest.csv").write_text(HEADER + "".join(f"{line}\n" for line in lines))
    return folder


@pytest.mark.slow
@pytest.mark.data
def test_wild_command_end_to_end(cache_128, tmp_path):
    from dfrec.cli import main

    wild = _tiny_wild_folder(cache_128, tmp_path / "wild")
    out = tmp_path / "out"
    checkpoint, lre = (
        PROJECT_ROOT / "weights" / "dfrec-small.pt",
        PROJECT_ROOT / "weights" / "lre-small.pt",
    )
    argv = ["evaluate", "--wild", str(wild), "--checkpoint", str(checkpoint), "--lre", str(lre)]
    argv += ["--data", str(cache_128), "--out", str(out), "--wild-celeba", "4"]
    frames = _negatives_folder(cache_128, tmp_path / "video-frames")
    assert main([*argv, "--wild-negatives", str(frames)]) == 0

    payload = json.loads((out / "wild.json").read_text())
    assert payload["command"].startswith("dfrec evaluate --wild")
    assert payload["checkpoint_version"].startswith("small-") and payload["lre_version"]
    assert payload["detectors"] == ["ISM", "LRE", "fused"] and payload["celeba_photos"] == 4
    for name in ("wild", "all"):
        rows = payload["detection"][name]
        assert {row["tool"] for row in rows} == {"ToolA", "Tool B (swap)", OVERALL}
        for row in rows:
            assert 0.0 <= row["auc"] <= 1.0 and 0.0 <= row["caught_at_shipped"] <= 1.0
            assert 0.0 <= row["caught_fpr5"] <= 1.0
    overall = [row for row in payload["detection"]["all"] if row["tool"] == OVERALL]
    assert {row["negatives"] for row in overall} == {2 + 3 + 4}  # real, originals, CelebA
    fused = {row["detector"]: row for row in payload["false_alarms"] if row["group"] == "celeba"}
    assert fused["fused"]["photos"] == 4
    frame_rows = [row for row in payload["false_alarms"] if row["group"] == "video-frames"]
    assert [row["detector"] for row in frame_rows] == ["ISM", "LRE", "fused"]
    assert all(row["photos"] == 2 for row in frame_rows)
    assert all(0.0 <= row["mean_probability"] <= 1.0 for row in frame_rows)
    assert payload["extra_negatives"] == {"video-frames": str(frames)}
    coverage = payload["coverage"][-1]
    assert coverage["images"] == 3 and 0.0 <= coverage["hull_iou"] <= 1.0
    identity = [row for row in payload["identity"] if row["tool"] == OVERALL]
    assert [row["query"] for row in identity] == ["None", "recovered target", "recovered source"]
    assert all(row["pairs"] == 2 for row in identity)  # fake_2 has no target
    assert -1.0 <= identity[0]["cosine_source"] <= 1.0

    markdown = (out / "wild.md").read_text()
    assert "## Detection, negatives: wild (real + original)" in markdown
    assert "| overall | fused |" in markdown and "Fused: the mean of the ISM and LRE" in markdown
    for figure in ("toola.png", "tool-b-swap.png", "misses.png"):
        assert (out / "figures" / figure).stat().st_size > 1000
    lines = (out / "wild_scores.csv").read_text().splitlines()
    assert lines[0] == "file,label,tool,group,face,ism,lre,fused,mask_area,hull_iou"
    assert len(lines) == 1 + 5 + 3 + 2 + 4
    assert sum(line.split(",")[3] == "video-frames" for line in lines) == 2


def _negatives_folder(celeba_root: Path, folder: Path) -> Path:
    """2 unedited CelebA photos of people the tiny wild folder does not use, as real rows."""
    people = sorted(path for path in celeba_root.iterdir() if path.is_dir())[7:9]
    folder.mkdir()
    for index, person in enumerate(people):
        shutil.copy(sorted(person.glob("*.jpg"))[0], folder / f"frame_{index}.jpg")
    lines = [f"frame_{index}.jpg,real,,a/b,v{index},MIT,,," for index in range(len(people))]
    (folder / "manifest.csv").write_text(HEADER + "".join(f"{line}\n" for line in lines))
    return folder


def test_extra_negatives_refuse_fakes_and_taken_names(tmp_path):
    from dfrec.evaluation.wild import extra_negative_photos

    frames = _folder(tmp_path / "frames", ["a.png,real,,r,p,MIT,,,"], ["a.png"])
    paths, groups = extra_negative_photos((frames,))
    assert paths == [frames / "a.png"] and groups == ["frames"]
    mixed = _folder(tmp_path / "mixed", ["b.png,fake,ToolA,r,p,MIT,,,"], ["b.png"])
    with pytest.raises(ManifestError, match="lists fakes: b.png"):
        extra_negative_photos((mixed,))
    celeba = _folder(tmp_path / "celeba", ["c.png,real,,r,p,MIT,,,"], ["c.png"])
    with pytest.raises(ValueError, match="'celeba' is taken"):
        extra_negative_photos((celeba,))


def test_wild_ablation_row_reads_the_headline_numbers(tmp_path):
    from dfrec.evaluation.wild_ablation import parse_run, write_wild_ablation

    def detection(tool, detector, auc, caught):
        return {"tool": tool, "detector": detector, "auc": auc, "caught_fpr5": caught}

    wild = {
        "detection": {
            "wild": [
                detection("SimSwap", "ISM", 0.75, 0.5),
                detection("overall", "ISM", 0.625, 0.25),
                detection("overall", "LRE", 0.5, 0.125),
            ]
        },
        "false_alarms": [
            {"group": "celeba", "detector": "ISM", "false_alarms_at_shipped": 0.02},
            {"group": "celeba", "detector": "LRE", "false_alarms_at_shipped": 0.5},
        ],
        "coverage": [{"tool": "overall", "hull_iou_detected": 0.6}],
    }
    (tmp_path / "wild.json").write_text(json.dumps(wild))
    assert parse_run("a=b=x.json,y.json") == ("a=b", Path("x.json"), Path("y.json"))
    with pytest.raises(ValueError, match="name=wild.json"):
        parse_run("no-name.json")
    out = write_wild_ablation([f"row one={tmp_path / 'wild.json'}"], tmp_path / "t.md", "cmd")
    header, _, row = out.read_text().splitlines()[-3:]
    cells = dict(zip(header.split(" | "), row.split(" | "), strict=True))
    assert cells["ISM AUC"] == "0.625" and cells["ISM @5 %"] == "25.0 %"
    assert cells["LRE @5 %"] == "12.5 %" and cells["fused AUC"] == "—"
    assert cells["SimSwap"] == "0.750" and cells["FA celeba"] == "2.0 %"
    assert cells["FA real"] == "—" and cells["swap AUC"] == "—"

    framed = {**wild, "extra_negatives": {"frames": "/x/frames"}}
    framed["false_alarms"] = [
        *wild["false_alarms"],
        {"group": "frames", "detector": "ISM", "false_alarms_at_shipped": 0.125},
    ]
    (tmp_path / "framed.json").write_text(json.dumps(framed))
    runs = [f"plain={tmp_path / 'wild.json'}", f"framed={tmp_path / 'framed.json'}"]
    lines = write_wild_ablation(runs, tmp_path / "t.md", "cmd").read_text().splitlines()
    header, plain, with_frames = (line.split(" | ") for line in (lines[-4], lines[-2], lines[-1]))
    column = header.index("FA frames")  # a run without the group shows a dash there
    assert plain[column] == "—" and with_frames[column] == "12.5 %"
