"""The faces of a video's sampled frames: found with the photo's face stage (worker.faces),
linked into tracks (worker.tracker), sent to Triton in batches of `batch_size` faces, and kept
as numbers per face plus, per track, the images of its best face (worker.video_tracks'
quality) only: memory stays bounded by the batch and the number of tracks, not the video.
"""

from collections.abc import Callable
from dataclasses import dataclass

from worker.ensemble import EnsembleOutputs
from worker.face_results import HEATMAP_KIND, PRIMARY_KINDS
from worker.faces import FaceSearch, PhotoFace
from worker.postprocess import Artifact, encode_pixels, encode_png
from worker.tracker import IouTracker
from worker.video_frames import SampledFrame
from worker.video_tracks import FaceObservation, face_quality


@dataclass(frozen=True)
class _Pending:
    face: PhotoFace
    frame: int
    time_seconds: float
    track: int
    quality: float


@dataclass(frozen=True)
class BestFace:
    quality: float
    frame: int
    images: dict[str, Artifact]
    """kind (crop, mask, source, target, heatmap with LRE) -> PNG."""


def best_images(face: PhotoFace, row: int, outputs: EnsembleOutputs) -> dict[str, Artifact]:
    images = {"crop": encode_pixels(face.aligned.crop)}
    images |= {kind: encode_png(getattr(outputs, kind)[row]) for kind in PRIMARY_KINDS}
    if outputs.heatmap is not None:
        images[HEATMAP_KIND] = encode_png(outputs.heatmap[row])
    return images


class VideoFaces:
    """Feed sampled frames with `add`, then `flush` once; read `observations` and `best`."""

    def __init__(
        self,
        infer: Callable[[list[PhotoFace]], EnsembleOutputs],
        batch_size: int,
        max_batch_size: int,
        tracker: IouTracker,
    ) -> None:
        """infer: worker.pipeline.infer_faces bound to a context."""
        self.infer = infer
        self.batch_size = batch_size
        self.max_batch_size = max_batch_size
        self.tracker = tracker
        self.observations: dict[int, list[FaceObservation]] = {}
        self.best: dict[int, BestFace] = {}
        self.batches: list[int] = []
        """Faces per request Triton received (the client splits at max_batch_size)."""
        self.faces_detected = 0
        self.faces_too_small = 0
        self._pending: list[_Pending] = []
        self.samples = 0

    def add(self, frame: SampledFrame, search: FaceSearch) -> None:
        self.faces_detected += search.detected_count
        faces = search.processable()
        self.faces_too_small += len(search.faces) - len(faces)
        tracks = self.tracker.update(self.samples, [face.detected.box for face in faces])
        self.samples += 1
        for face, track in zip(faces, tracks, strict=True):
            quality = face_quality(face.aligned.crop, face.detected.landmarks)
            self._pending.append(_Pending(face, frame.index, frame.time_seconds, track, quality))
        if len(self._pending) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        """Send the pending faces to Triton and keep what each track needs."""
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        outputs = self.infer([item.face for item in pending])
        step = self.max_batch_size
        self.batches += [min(step, len(pending) - start) for start in range(0, len(pending), step)]
        probabilities = outputs.fake_probability.reshape(-1)
        lre = outputs.lre_fake_probability
        for row, item in enumerate(pending):
            self.observations.setdefault(item.track, []).append(
                FaceObservation(
                    track=item.track,
                    frame=item.frame,
                    time_seconds=item.time_seconds,
                    box=tuple(int(value) for value in item.face.detected.box),
                    fake_probability=float(probabilities[row]),
                    lre_fake_probability=None if lre is None else float(lre.reshape(-1)[row]),
                    quality=item.quality,
                )
            )
            best = self.best.get(item.track)
            if best is None or item.quality > best.quality:
                images = best_images(item.face, row, outputs)
                self.best[item.track] = BestFace(item.quality, item.frame, images)

    @property
    def faces_processed(self) -> int:
        return sum(len(faces) for faces in self.observations.values())
