"""MediaPipe's face mesh (468 points) on aligned crops, for bench/mesh_landmarks.py. Runs in its
own environment: mediapipe 0.10.21 (the last with the face-mesh model inside its wheel) needs
protobuf < 5, which the project's own does not allow.

    python bench/mesh_points.py CROPS.npz POINTS.npz

CROPS.npz: arrays of uint8 RGB crops (N, S, S, 3); POINTS.npz: for each, (N, 468, 2) float32
x, y in crop pixels, NaN where no face is found.
"""

from __future__ import annotations

import sys

import cv2
import mediapipe as mp
import numpy as np

UPSCALE = 2  # the detector misses small faces: a 128 px crop is read at 256 px
MESH_POINTS = 468


def mesh_points(crops: np.ndarray) -> np.ndarray:
    """crops (N, S, S, 3) uint8 RGB -> (N, 468, 2) float32 crop pixels, NaN without a face."""
    size = crops.shape[1]
    points = np.full((len(crops), MESH_POINTS, 2), np.nan, np.float32)
    with mp.solutions.face_mesh.FaceMesh(
        static_image_mode=True, max_num_faces=1, min_detection_confidence=0.3
    ) as mesh:
        for index, crop in enumerate(crops):
            large = cv2.resize(crop, None, fx=UPSCALE, fy=UPSCALE, interpolation=cv2.INTER_CUBIC)
            found = mesh.process(large).multi_face_landmarks
            if found:
                points[index] = [[point.x * size, point.y * size] for point in found[0].landmark]
    return points


if __name__ == "__main__":
    crops = np.load(sys.argv[1])
    np.savez(sys.argv[2], **{name: mesh_points(crops[name]) for name in crops.files})
