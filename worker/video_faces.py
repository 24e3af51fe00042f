"""The faces of a video's (or a chunk's) sampled frames: found with the photo's face stage
(worker.faces), sent to Triton in batches of `batch_size` faces, and kept as numbers per face
plus the images of the best face (worker.video_tracks' quality) of each track a local tracker
(worker.tracker) links: memory stays bounded by the batch and the number of tracks, not the
video. The video's tracks are linked again over every chunk's faces (worker.video_results).
"""

from collections.abc import Callable
from dataclasses import dataclass

from worker.ensemble import EnsembleOutputs
from worker.face_results import HEATMAP_KIND, PRIMARY_KINDS
from worker.faces import FaceSearch, PhotoFace
from worker.postprocess import Artifact, encode_pixels, encode_png
from worker.tracker import IouTracker
from worker.video_chunks import Buckets, ChunkResult
from worker.video_frames import FrameSampler, SampledFrame
from worker.video_tracks import FaceObservation, face_quality


@dataclass(frozen=True)
class _Pending:
    face: PhotoFace
    frame: SampledFrame
    position: int
    track: int
    quality: float


@dataclass(frozen=True)
class BestFace:
    key: str
    """The FaceObservation.key of the face."""
    quality: float
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
        infer: Callable[[list[PhotoFace]], EnsembleOutputs | None],
        batch_size: int,
        max_batch_size: int,
        tracker: IouTracker,
    ) -> None:
        """infer: worker.pipeline.infer_faces bound to a context."""
        self.infer = infer
        self.batch_size = batch_size
        self.max_batch_size = max_batch_size
        self.tracker = tracker
        self.observations: list[FaceObservation] = []
        self.best: dict[int, BestFace] = {}
        """Local track -> its best face so far."""
        self.batches: list[int] = []
        """Faces per request Triton received (the client splits at max_batch_size)."""
        self.faces_detected = 0
        self.faces_too_small = 0
        self.samples = 0
        self._pending: list[_Pending] = []

    def add(self, frame: SampledFrame, search: FaceSearch) -> None:
        self.faces_detected += search.detected_count
        faces = search.processable()
        self.faces_too_small += len(search.faces) - len(faces)
        tracks = self.tracker.update(frame.sample, [face.detected.box for face in faces])
        self.samples += 1
        for position, (face, track) in enumerate(zip(faces, tracks, strict=True)):
            quality = face_quality(face.aligned.crop, face.detected.landmarks)
            self._pending.append(_Pending(face, frame, position, track, quality))
        if len(self._pending) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        """Send the pending faces to Triton and keep what each track needs."""
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        outputs = self.infer([item.face for item in pending])
        if outputs is None:  # only for no faces, which never reach here
            return
        step = self.max_batch_size
        self.batches += [min(step, len(pending) - start) for start in range(0, len(pending), step)]
        probabilities = outputs.fake_probability.reshape(-1)
        lre = outputs.lre_fake_probability
        for row, item in enumerate(pending):
            observation = FaceObservation(
                frame=item.frame.index,
                sample=item.frame.sample,
                position=item.position,
                time_seconds=item.frame.time_seconds,
                box=item.face.detected.box,
                fake_probability=float(probabilities[row]),
                lre_fake_probability=None if lre is None else float(lre.reshape(-1)[row]),
                quality=item.quality,
            )
            self.observations.append(observation)
            best = self.best.get(item.track)
            if best is None or item.quality > best.quality:
                images = best_images(item.face, row, outputs)
                self.best[item.track] = BestFace(observation.key, item.quality, images)

    def best_images(self) -> dict[str, dict[str, Artifact]]:
        """Observation key -> images, for each local track's best face."""
        return {best.key: best.images for best in self.best.values()}

    def chunk_result(
        self,
        index: int,
        worker: str,
        buckets: Buckets,
        sampler: FrameSampler,
        times_ms: dict[str, float],
    ) -> ChunkResult:
        """What this chunk found, once its frames are sampled and flushed."""
        return ChunkResult(
            index=index,
            worker=worker,
            buckets=buckets,
            observations=self.observations,
            images=self.best_images(),
            frames_decoded=sampler.frames_decoded,
            samples=self.samples,
            faces_detected=self.faces_detected,
            faces_too_small=self.faces_too_small,
            batches=self.batches,
            stopped_because=sampler.stopped_because,
            times_ms=times_ms,
        )
