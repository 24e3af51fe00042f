"""Identity splits and the kind schedule: no data needed."""

import pytest

from dfrec.data.dataset import kind_schedule
from dfrec.data.splits import IdentitySplit, folder_split, split_identities

PEOPLE = [f"{number:04d}" for number in range(7000, 7100)]


def test_split_is_identity_disjoint_and_complete():
    split = split_identities(PEOPLE, test_fraction=0.2, seed=3)
    assert not set(split.train) & set(split.test)
    assert set(split.train) | set(split.test) == set(PEOPLE)
    assert len(split.test) == 20


def test_split_is_deterministic_and_order_free():
    first = split_identities(PEOPLE, seed=5)
    assert split_identities(list(reversed(PEOPLE)) + PEOPLE[:10], seed=5) == first
    assert split_identities(PEOPLE, seed=6) != first


def test_split_round_trips_through_json(tmp_path):
    split = split_identities(PEOPLE, seed=1)
    split.save(tmp_path / "split.json")
    assert IdentitySplit.load(tmp_path / "split.json") == split


def test_folder_split_uses_identity_folders(tmp_path):
    for person in PEOPLE[:10]:
        (tmp_path / person).mkdir()
    (tmp_path / "faces.csv").write_text("identity,file\n")
    assert folder_split(tmp_path, seed=2) == split_identities(PEOPLE[:10], seed=2)


def test_kind_schedule_interleaves_the_mix():
    schedule = kind_schedule({"swap": 0.4, "blend": 0.4, "pristine": 0.2})
    assert [schedule.count(kind) for kind in ("swap", "blend", "pristine")] == [8, 8, 4]
    for start in range(len(schedule)):
        window = (schedule + schedule)[start : start + 5]
        assert {"swap", "blend", "pristine"} <= set(window)


def test_kind_schedule_rejects_a_bad_mix():
    with pytest.raises(ValueError):
        kind_schedule({"swap": 0.5, "pristine": 0.2})
    with pytest.raises(ValueError):
        kind_schedule({"swap": 0.5, "morph": 0.5})
