"""Training augmentations: the degradations the robustness rows test (blur, JPEG, noise) on the
input only, optionally the chain a face cut from the web went through (resize, JPEG
generations) and a video codec's frame (H.264), and a colour jitter, a left-right mirror and an
alignment jitter applied alike to input, source, target and masks (what the network must undo
is the forgery, not the camera, the pose or where the aligner put the face).

Images are (3, S, S) float32 in [0, 1]; randomness only from the generator.
"""

from __future__ import annotations

import av
import cv2
import numpy as np

from dfrec.data.align import transform_points
from dfrec_contract.video_codec import single_threaded, x264_options, yuv420_frame

DEGRADE_PROBABILITY = 0.5  # share of inputs that get one of blur / JPEG / noise
JITTER_PROBABILITY = 0.5  # share of samples whose colours are jittered
MIRROR_PROBABILITY = 0.5  # share of samples mirrored left to right (with mirror on)
ALIGN_JITTER_PROBABILITY = 0.5  # share of samples moved off the alignment (with it on)
ALIGN_SHIFT = 0.03  # half-range of the shift, as a share of the crop side (4 px at 128)
ALIGN_SCALE = 0.04  # half-range of the relative scale change
ALIGN_ROTATION = 4.0  # half-range of the rotation, degrees
BLUR_KERNELS = (3, 5, 7)
JPEG_QUALITY = (50, 99)
NOISE_VARIANCE = (10.0, 50.0)  # on 0-255 pixels
BRIGHTNESS, CONTRAST, SATURATION = 0.1, 0.15, 0.15  # jitter half-ranges
WILD_PROBABILITY = 0.5  # share of inputs that get the wild chain (with it on)
WILD_SHRINK = (0.3, 1.0)  # the resize chain's smallest scale
WILD_JPEG_GENERATIONS = (1, 3)
WILD_JPEG_QUALITY = (60, 95)
VIDEO_PROBABILITY = 0.5  # share of inputs that get the video codec (with it on)
VIDEO_CRF = (20, 36)  # libx264 constant rate factor: broadcast quality to a starved video call
VIDEO_SCALE = (1.0, 2.5)  # the face's size in the frame, relative to the crop
RESIZE_FILTERS = (cv2.INTER_AREA, cv2.INTER_LINEAR, cv2.INTER_CUBIC)


def _to_uint8(image: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(image.transpose(1, 2, 0) * 255.0), 0, 255).astype(np.uint8)


def _from_uint8(pixels: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(pixels.transpose(2, 0, 1), dtype=np.float32) / np.float32(255)


def degrade(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """With DEGRADE_PROBABILITY, one of Gaussian blur (kernel 3-7), JPEG (quality 50-99) or
    Gaussian noise (variance 10-50), at a random level. (3, S, S) -> (3, S, S)."""
    if rng.random() >= DEGRADE_PROBABILITY:
        return image
    pixels = _to_uint8(image)
    kind = int(rng.integers(3))
    if kind == 0:
        kernel = int(rng.choice(BLUR_KERNELS))
        pixels = cv2.GaussianBlur(pixels, (kernel, kernel), 0)
    elif kind == 1:
        pixels = _jpeg(pixels, int(rng.integers(JPEG_QUALITY[0], JPEG_QUALITY[1] + 1)))
    else:
        sigma = np.sqrt(rng.uniform(*NOISE_VARIANCE))
        noisy = pixels.astype(np.float64) + rng.normal(0.0, sigma, pixels.shape)
        pixels = np.clip(np.rint(noisy), 0, 255).astype(np.uint8)
    return _from_uint8(pixels)


def _jpeg(pixels: np.ndarray, quality: int) -> np.ndarray:
    """One JPEG generation of (S, S, 3) uint8 RGB pixels."""
    ok, encoded = cv2.imencode(".jpg", pixels[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return cv2.imdecode(encoded, cv2.IMREAD_COLOR)[..., ::-1]


def wild_degrade(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """With WILD_PROBABILITY, what a face cut from a web page or a paper figure went through:
    shrunk to a random scale in WILD_SHRINK and enlarged back (each with a random filter),
    then 1-3 JPEG generations at quality 60-95. (3, S, S) -> (3, S, S), same size."""
    if rng.random() >= WILD_PROBABILITY:
        return image
    pixels = _to_uint8(image)
    size = pixels.shape[0]
    small = max(8, round(size * rng.uniform(*WILD_SHRINK)))
    shrink, enlarge = (RESIZE_FILTERS[int(i)] for i in rng.integers(len(RESIZE_FILTERS), size=2))
    pixels = cv2.resize(pixels, (small, small), interpolation=shrink)
    pixels = cv2.resize(pixels, (size, size), interpolation=enlarge)
    generations = int(rng.integers(WILD_JPEG_GENERATIONS[0], WILD_JPEG_GENERATIONS[1] + 1))
    for _ in range(generations):
        pixels = _jpeg(pixels, int(rng.integers(WILD_JPEG_QUALITY[0], WILD_JPEG_QUALITY[1] + 1)))
    return _from_uint8(np.ascontiguousarray(pixels))


def _h264_intra_frame(pixels: np.ndarray, crf: int) -> np.ndarray:
    """(H, W, 3) uint8 RGB, H and W even -> the same frame after one libx264 encode (yuv420p,
    a single-threaded intra frame, so the same input gives the same bytes) and decode."""
    height, width = pixels.shape[:2]
    encoder = av.CodecContext.create("libx264", "w")
    encoder.width, encoder.height, encoder.pix_fmt = width, height, "yuv420p"
    encoder.options = x264_options("veryfast", crf)
    single_threaded(encoder)
    frame = yuv420_frame(pixels)
    packets = [*encoder.encode(frame), *encoder.encode(None)]
    decoder = av.CodecContext.create("h264", "r")
    decoded = [picture for packet in packets for picture in decoder.decode(packet)]
    decoded += decoder.decode(None)
    return decoded[0].to_ndarray(format="rgb24")


def video_degrade(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """With VIDEO_PROBABILITY, what a video codec leaves on a face: the crop enlarged to a random
    scale in VIDEO_SCALE (so the codec's blocks are the size they are on a face that large in
    the frame), one H.264 frame at a random CRF in VIDEO_CRF (smoothed skin, blocks, chroma
    halved), shrunk back. (3, S, S) -> (3, S, S), same size."""
    if rng.random() >= VIDEO_PROBABILITY:
        return image
    pixels = _to_uint8(image)
    size = pixels.shape[0]
    frame_size = 2 * round(size * rng.uniform(*VIDEO_SCALE) / 2)
    crf = int(rng.integers(VIDEO_CRF[0], VIDEO_CRF[1] + 1))
    large = cv2.resize(pixels, (frame_size, frame_size), interpolation=cv2.INTER_CUBIC)
    coded = _h264_intra_frame(np.ascontiguousarray(large), crf)
    return _from_uint8(cv2.resize(coded, (size, size), interpolation=cv2.INTER_AREA))


def colour_jitter(images: list[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
    """With JITTER_PROBABILITY, one random brightness / contrast / saturation change applied to
    every image of the list. [(3, S, S)] -> [(3, S, S)]."""
    if rng.random() >= JITTER_PROBABILITY:
        return images
    brightness = 1.0 + rng.uniform(-BRIGHTNESS, BRIGHTNESS)
    contrast = 1.0 + rng.uniform(-CONTRAST, CONTRAST)
    saturation = 1.0 + rng.uniform(-SATURATION, SATURATION)
    jittered = []
    for image in images:
        grey = image.mean(axis=0, keepdims=True)
        out = grey + (image - grey) * saturation
        out = (out - out.mean()) * contrast + out.mean()
        jittered.append(np.clip(out * brightness, 0.0, 1.0).astype(np.float32))
    return jittered


def mirror(images: list[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
    """With MIRROR_PROBABILITY, every image of the list flipped left to right (aligned faces
    stay aligned: the template is symmetric), else the list itself. [(C, S, S)] -> [(C, S, S)]."""
    if rng.random() >= MIRROR_PROBABILITY:
        return images
    return [np.ascontiguousarray(image[..., ::-1]) for image in images]


# The iBUG 68-point scheme read on a mirrored face: index i of the flipped face is point
# MIRRORED_68[i] of the original (jaw, brows, nose, eyes and mouth swap sides).
MIRRORED_68 = np.array(
    [*range(16, -1, -1), *range(26, 16, -1), 27, 28, 29, 30, *range(35, 30, -1),
     45, 44, 43, 42, 47, 46, 39, 38, 37, 36, 41, 40,
     *range(54, 47, -1), *range(59, 54, -1), *range(64, 59, -1), 67, 66, 65]
)  # fmt: skip


def mirror_landmarks(points: np.ndarray, image_size: int) -> np.ndarray:
    """68 landmarks (68, 2) of a face flipped left to right, in the iBUG order."""
    flipped = points[MIRRORED_68].copy()
    flipped[:, 0] = image_size - 1 - flipped[:, 0]
    return flipped


def align_jitter(
    images: list[np.ndarray], landmarks: np.ndarray, rng: np.random.Generator
) -> tuple[list[np.ndarray], np.ndarray]:
    """With ALIGN_JITTER_PROBABILITY, one random similarity (shift, scale, rotation about the
    centre; the edge pixels repeated) applied to every image of the list and to the landmarks,
    as if the aligner had placed the face a little differently; else both unchanged.
    [(C, S, S)], (68, 2) -> [(C, S, S)], (68, 2)."""
    if rng.random() >= ALIGN_JITTER_PROBABILITY:
        return images, landmarks
    size = images[0].shape[-1]
    shift = rng.uniform(-ALIGN_SHIFT, ALIGN_SHIFT, 2) * size
    scale = 1.0 + rng.uniform(-ALIGN_SCALE, ALIGN_SCALE)
    angle = rng.uniform(-ALIGN_ROTATION, ALIGN_ROTATION)
    centre = ((size - 1) / 2.0, (size - 1) / 2.0)
    matrix = cv2.getRotationMatrix2D(centre, angle, scale)
    matrix[:, 2] += shift
    moved = []
    for image in images:
        channels_last = np.ascontiguousarray(image.transpose(1, 2, 0))
        warped = cv2.warpAffine(
            channels_last,
            matrix,
            (size, size),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        ).reshape(size, size, -1)
        moved.append(np.ascontiguousarray(warped.transpose(2, 0, 1), dtype=np.float32))
    return moved, transform_points(landmarks, matrix)
