"""The dlib identity judge: descriptors, the 0.6 rule, and (with photos) same vs different."""

import numpy as np
import pytest
import torch
from PIL import Image

from dfrec.metrics import judge_comparison
from dfrec.pretrained.dlib_judge import DESCRIPTOR_SIZE, load_dlib_judge, same_person


def load_face(path, size: int) -> torch.Tensor:
    """Rough face crop of a 320 px celeba-id photo: (3, size, size) in [0, 1]."""
    image = Image.open(path).convert("RGB").crop((64, 64, 256, 256)).resize((size, size))
    return torch.from_numpy(np.array(image)).permute(2, 0, 1).float() / 255.0


def test_descriptor_of_a_crop_without_a_detectable_face():
    judge = load_dlib_judge()
    descriptors = judge.descriptors(torch.rand(2, 3, 64, 64))
    assert descriptors.shape == (2, DESCRIPTOR_SIZE)
    assert np.isfinite(descriptors).all()
    assert same_person(descriptors[:1], descriptors[:1]).all()


@pytest.mark.data
def test_same_person_and_different_people(celeba_root):
    people = sorted(p for p in celeba_root.iterdir() if p.is_dir())[:2]
    first, second = (sorted(person.glob("*.jpg"))[:2] for person in people)
    anchor = torch.stack([load_face(first[0], 96), load_face(first[0], 96)])
    others = torch.stack([load_face(first[1], 128), load_face(second[0], 128)])
    comparison = judge_comparison(anchor, others)
    assert comparison.cosine[0] > comparison.cosine[1]
    assert not comparison.same_person[1]
