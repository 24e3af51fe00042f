"""Face detection, 5/68-point landmarks (dlib) and alignment to one canonical 5-point template.

Landmark order of dlib's 5-point predictor (image left/right, not the person's):
0 right-eye outer corner, 1 right-eye inner corner, 2 left-eye outer corner,
3 left-eye inner corner, 4 base of the nose.
"""

import functools
from dataclasses import dataclass

import cv2
import numpy as np

# Canonical 5-point template in units of the crop side. Measured as the mean (mirror-symmetrised)
# landmark positions inside dlib's HOG face box on celeba-id, then placed so that the HOG box
# covers the central 62 % of the crop: hair, ears and some background stay visible.
FACE_BOX_FRACTION = 0.62
_LANDMARKS_IN_FACE_BOX = np.array(
    [[0.781, 0.303], [0.618, 0.313], [0.219, 0.303], [0.382, 0.313], [0.500, 0.624]]
)
TEMPLATE_5 = (1.0 - FACE_BOX_FRACTION) / 2.0 + FACE_BOX_FRACTION * _LANDMARKS_IN_FACE_BOX
# (68, 2) x, y as fractions of the crop side: the mean dlib landmarks of the 192 CelebA training
# people's aligned faces (the cache at 128 px), the face the TIRM's pixel prior starts from.
TEMPLATE_68 = np.array(
    [[0.220, 0.381], [0.222, 0.456], [0.230, 0.532], [0.245, 0.606], [0.273, 0.675],
     [0.317, 0.736], [0.371, 0.788], [0.432, 0.831], [0.501, 0.844], [0.571, 0.831],
     [0.633, 0.789], [0.689, 0.738], [0.733, 0.677], [0.762, 0.607], [0.777, 0.532],
     [0.786, 0.456], [0.788, 0.380], [0.271, 0.324], [0.306, 0.295], [0.355, 0.289],
     [0.404, 0.297], [0.451, 0.317], [0.546, 0.316], [0.594, 0.295], [0.644, 0.287],
     [0.694, 0.294], [0.731, 0.323], [0.499, 0.373], [0.499, 0.423], [0.499, 0.473],
     [0.499, 0.524], [0.444, 0.555], [0.471, 0.566], [0.499, 0.575], [0.528, 0.565],
     [0.554, 0.555], [0.327, 0.379], [0.358, 0.361], [0.395, 0.362], [0.427, 0.387],
     [0.392, 0.393], [0.356, 0.392], [0.573, 0.386], [0.605, 0.362], [0.643, 0.361],
     [0.674, 0.379], [0.645, 0.392], [0.608, 0.393], [0.388, 0.643], [0.429, 0.627],
     [0.470, 0.619], [0.499, 0.626], [0.529, 0.619], [0.571, 0.627], [0.613, 0.642],
     [0.574, 0.686], [0.533, 0.705], [0.500, 0.709], [0.468, 0.705], [0.427, 0.686],
     [0.405, 0.646], [0.469, 0.644], [0.500, 0.647], [0.530, 0.644], [0.596, 0.646],
     [0.531, 0.666], [0.500, 0.670], [0.469, 0.666]],
    dtype=np.float32,
)  # fmt: skip
TIGHT_CROP_PAD_FRACTION = 0.3  # each side of a tight crop padded by this share before detection


def template_landmarks(image_size: int) -> np.ndarray:
    """TEMPLATE_68 in pixels of a crop of image_size: (68, 2) float32."""
    return TEMPLATE_68 * image_size


@dataclass(frozen=True)
class DetectedFace:
    """One face in a photo. box: (left, top, right, bottom) pixels; landmarks: (5, 2) x, y."""

    box: tuple[int, int, int, int]
    landmarks: np.ndarray
    score: float


@dataclass(frozen=True)
class AlignedFace:
    """crop: (S, S, 3) uint8 RGB; matrix: (2, 3) float64 affine map from photo to crop pixels."""

    crop: np.ndarray
    matrix: np.ndarray


@functools.cache
def hog_face_detector():
    """dlib's HOG frontal face detector, one per process. dlib loads on first use: training on
    an aligned cache, and the worker's settings, need no dlib."""
    import dlib

    return dlib.get_frontal_face_detector()


@functools.cache
def _predictor(num_points: int):
    import dlib
    import face_recognition_models

    if num_points == 5:
        path = face_recognition_models.pose_predictor_five_point_model_location()
    elif num_points == 68:
        path = face_recognition_models.pose_predictor_model_location()
    else:
        raise ValueError(f"dlib has 5- and 68-point predictors, not {num_points}")
    return dlib.shape_predictor(path)


def _rectangle(box: tuple[int, int, int, int]):
    import dlib

    return dlib.rectangle(*box)


def landmarks(image_rgb: np.ndarray, box: tuple[int, int, int, int], num_points: int) -> np.ndarray:
    """dlib landmarks inside a face box. image_rgb: (H, W, 3) uint8 -> (num_points, 2) float32."""
    shape = _predictor(num_points)(image_rgb, _rectangle(box))
    return np.array([[point.x, point.y] for point in shape.parts()], dtype=np.float32)


def detect_faces(image_rgb: np.ndarray) -> list[DetectedFace]:
    """HOG faces with 5-point landmarks, largest first. image_rgb: (H, W, 3) uint8.

    Tries the photo at its own scale first and upsampled once if nothing was found.
    """
    image_rgb = np.ascontiguousarray(image_rgb)
    for upsample in (0, 1):
        rectangles, scores, _ = hog_face_detector().run(image_rgb, upsample, 0.0)
        if rectangles:
            break
    faces = []
    for rectangle, score in zip(rectangles, scores, strict=True):
        box = (rectangle.left(), rectangle.top(), rectangle.right(), rectangle.bottom())
        faces.append(DetectedFace(box, landmarks(image_rgb, box, 5), float(score)))
    return sorted(
        faces, key=lambda face: -(face.box[2] - face.box[0]) * (face.box[3] - face.box[1])
    )


def alignment_matrix(landmarks_5: np.ndarray, image_size: int) -> np.ndarray:
    """Similarity (2, 3) taking 5 photo landmarks (5, 2) onto the template scaled to image_size."""
    template = (TEMPLATE_5 * image_size).astype(np.float32)
    matrix, _ = cv2.estimateAffinePartial2D(
        landmarks_5.astype(np.float32), template, method=cv2.LMEDS
    )
    return matrix


def transform_points(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Apply a (2, 3) affine matrix to points (N, 2). Returns (N, 2) float32."""
    return (points @ matrix[:, :2].T + matrix[:, 2]).astype(np.float32)


def align_face(
    image_rgb: np.ndarray,
    landmarks_5: np.ndarray,
    image_size: int,
    border_mode: int = cv2.BORDER_REFLECT_101,
) -> AlignedFace:
    """Warp a photo (H, W, 3) uint8 so its 5 landmarks land on the template; crop (S, S, 3).
    Pixels outside the photo follow border_mode (an OpenCV border flag).

    When the crop is much smaller than the face in the photo, the photo is first shrunk with
    area averaging so the bilinear warp does not alias.
    """
    matrix = alignment_matrix(landmarks_5, image_size)
    scale = float(np.sqrt(abs(np.linalg.det(matrix[:, :2]))))
    warp_input, warp_matrix = image_rgb, matrix
    if scale < 0.5:
        height, width = image_rgb.shape[:2]
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        warp_input = cv2.resize(image_rgb, size, interpolation=cv2.INTER_AREA)
        shrink = np.diag([width / size[0], height / size[1]])
        warp_matrix = np.concatenate([matrix[:, :2] @ shrink, matrix[:, 2:]], axis=1)
    crop = cv2.warpAffine(
        warp_input,
        warp_matrix,
        (image_size, image_size),
        flags=cv2.INTER_LINEAR,
        borderMode=border_mode,
    )
    return AlignedFace(crop, matrix)


def paste_back(
    photo_rgb: np.ndarray,
    crop_rgb: np.ndarray,
    matrix: np.ndarray,
    feather: int,
    weight: np.ndarray | None = None,
) -> np.ndarray:
    """Put an edited crop (S, S, 3) back into the photo (H, W, 3) with the inverse warp.

    matrix is the photo-to-crop matrix from align_face; the crop's border fades out over
    `feather` crop pixels, or weight (S, S) float32 in [0, 1] says how much of each crop pixel
    replaces the photo (photo pixels where it warps to 0 stay exact). Only the crop's footprint
    in the photo is warped and blended (a face in a 12-megapixel photo costs its own pixels, not
    the photo's). Returns (H, W, 3) uint8.
    """
    height, width = photo_rgb.shape[:2]
    size = crop_rgb.shape[0]
    inverse = cv2.invertAffineTransform(matrix)
    corners = np.array([[0, 0], [size, 0], [0, size], [size, size]], np.float64)
    footprint = corners @ inverse[:, :2].T + inverse[:, 2]
    left, top = np.floor(footprint.min(axis=0)).astype(int).clip(0, [width, height])
    right, bottom = np.ceil(footprint.max(axis=0)).astype(int).clip(0, [width, height]) + 1
    right, bottom = min(right, width), min(bottom, height)
    result = photo_rgb.copy()
    if right <= left or bottom <= top:
        return result
    if weight is None:
        weight = np.zeros((size, size), np.float32)
        weight[feather : size - feather, feather : size - feather] = 1.0
        if feather > 0:
            weight = cv2.GaussianBlur(weight, (0, 0), sigmaX=feather / 2.0)
    shifted = inverse.copy()
    shifted[:, 2] -= (left, top)  # warp into the footprint's box only
    box = (right - left, bottom - top)
    warped = cv2.warpAffine(crop_rgb, shifted, box, flags=cv2.INTER_LINEAR)
    weight = cv2.warpAffine(weight, shifted, box, flags=cv2.INTER_LINEAR)[..., None]
    region = photo_rgb[top:bottom, left:right].astype(np.float32)
    blended = weight * warped.astype(np.float32) + (1.0 - weight) * region
    result[top:bottom, left:right] = np.clip(np.rint(blended), 0, 255).astype(np.uint8)
    return result


def crop_landmarks_68(crops: np.ndarray) -> np.ndarray:
    """68 landmarks found on aligned face crops: the geometry a TIRM with geometry_prior draws
    its hidden face on. crops: (B, 3, S, S) float32 in [0, 1] -> (B, 68, 2) float32 pixels.

    HOG on each crop padded with its edge colours (as for tight crops), then the 68-point
    predictor in the largest box; where no face is found, the template's landmarks (the prior
    then stays on the mean face's geometry)."""
    image_size = crops.shape[-1]
    pad = round(TIGHT_CROP_PAD_FRACTION * image_size)
    found = []
    for crop in crops:
        pixels = np.clip(np.rint(crop.transpose(1, 2, 0) * 255.0), 0, 255).astype(np.uint8)
        padded = cv2.copyMakeBorder(pixels, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
        faces = detect_faces(padded)
        found.append(
            landmarks(padded, faces[0].box, 68) - pad if faces else template_landmarks(image_size)
        )
    return np.stack(found).astype(np.float32)
