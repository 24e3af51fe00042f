"""Piecewise-affine warp: move an image's landmarks onto other landmarks (Delaunay triangles)."""

import cv2
import numpy as np
from scipy.spatial import Delaunay


def _border_anchors(image_size: int) -> np.ndarray:
    """8 points (8, 2) on the crop border that stay in place, so every pixel is triangulated."""
    last = image_size - 1.0
    middle = last / 2.0
    return np.array(
        [[0, 0], [middle, 0], [last, 0], [last, middle],
         [last, last], [middle, last], [0, last], [0, middle]],
        dtype=np.float64,
    )  # fmt: skip


def piecewise_affine_warp(
    image: np.ndarray, from_points: np.ndarray, to_points: np.ndarray
) -> np.ndarray:
    """Warp image (S, S, C) so that from_points (N, 2) land on to_points (N, 2); same shape out.

    Triangles are the Delaunay triangulation of to_points plus fixed border anchors; each output
    pixel is sampled (bilinear) at the matching barycentric position in the input.
    """
    image_size = image.shape[0]
    anchors = _border_anchors(image_size)
    destination = np.concatenate([np.asarray(to_points, np.float64), anchors])
    origin = np.concatenate([np.asarray(from_points, np.float64), anchors])
    triangulation = Delaunay(destination)
    ys, xs = np.mgrid[0:image_size, 0:image_size]
    pixels = np.stack([xs.ravel(), ys.ravel()], axis=1).astype(np.float64)
    simplex = triangulation.find_simplex(pixels)
    inside = simplex >= 0
    affine = triangulation.transform[simplex[inside]]  # (P, 3, 2): inverse matrix and offset
    partial = np.einsum("pij,pj->pi", affine[:, :2], pixels[inside] - affine[:, 2])
    barycentric = np.concatenate([partial, 1.0 - partial.sum(axis=1, keepdims=True)], axis=1)
    corners = origin[triangulation.simplices[simplex[inside]]]  # (P, 3, 2)
    sample_at = pixels.copy()
    sample_at[inside] = np.einsum("pk,pkd->pd", barycentric, corners)
    map_x = sample_at[:, 0].reshape(image_size, image_size).astype(np.float32)
    map_y = sample_at[:, 1].reshape(image_size, image_size).astype(np.float32)
    return cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)


def similarity_matrix(from_points: np.ndarray, to_points: np.ndarray) -> np.ndarray:
    """The (2, 3) similarity taking from_points (N, 2) onto to_points (N, 2): least median of
    squares, so a few badly found points do not move it."""
    matrix, _ = cv2.estimateAffinePartial2D(
        np.asarray(from_points, np.float32), np.asarray(to_points, np.float32), method=cv2.LMEDS
    )
    return matrix


def similarity_warp(
    image: np.ndarray, from_points: np.ndarray, to_points: np.ndarray
) -> np.ndarray:
    """Warp image (S, S, C) by the similarity_matrix taking from_points onto to_points."""
    matrix = similarity_matrix(from_points, to_points)
    size = image.shape[1], image.shape[0]
    return cv2.warpAffine(
        image, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101
    )
