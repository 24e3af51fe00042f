"""A long video in chunks: the plan (ranges of sampling buckets, worker.video_frames), one
chunk's result, and where chunk results wait in Redis for the merge.

Keys, under the job keys' prefix, expiring with the job:
    {prefix}chunk:{id}:{index}    the chunk's result as JSON (numbers, faces, and the best
                                  faces' PNGs in base64)
    {prefix}chunks-done:{id}      set of the indices whose result is stored

Saving a result and counting the stored ones is one transaction, so whichever chunk task
completes the set sends the merge (a redelivered chunk that finds the set complete sends it
again: the merge ends the job once, like any redelivered task).
"""

import base64
import dataclasses
import json
import math
from dataclasses import dataclass

from redis import Redis

from dfrec_contract.video import VideoFacts
from worker.postprocess import Artifact
from worker.video_frames import planned_samples
from worker.video_tracks import FaceObservation

Buckets = tuple[int, int | None]


def chunk_plan(facts: VideoFacts, sample_fps: float, chunk_seconds: float) -> list[Buckets]:
    """Bucket ranges [first, end) of about chunk_seconds each; one range (0, None) when the
    video is that short or chunk_seconds is 0. The last range is open: it runs to the end."""
    total = planned_samples(facts, sample_fps)
    per_chunk = max(1, math.ceil(chunk_seconds * sample_fps))
    count = math.ceil(total / per_chunk) if chunk_seconds > 0 else 1
    if count <= 1:
        return [(0, None)]
    return [
        (index * per_chunk, (index + 1) * per_chunk if index < count - 1 else None)
        for index in range(count)
    ]


@dataclass(frozen=True)
class ChunkResult:
    index: int
    worker: str
    buckets: Buckets
    observations: list[FaceObservation]
    images: dict[str, dict[str, Artifact]]
    """FaceObservation.key -> kind -> PNG, for the best face of each track the chunk saw."""
    frames_decoded: int
    samples: int
    faces_detected: int
    faces_too_small: int
    batches: list[int]
    stopped_because: str | None
    times_ms: dict[str, float]

    def to_json(self) -> bytes:
        """What Redis keeps of this result."""
        meta = {
            field.name: getattr(self, field.name)
            for field in dataclasses.fields(self)
            if field.name not in ("observations", "images")
        }
        meta["observations"] = [dataclasses.asdict(face) for face in self.observations]
        meta["images"] = {
            key: {
                kind: [base64.b64encode(image.data).decode(), image.width, image.height]
                for kind, image in kinds.items()
            }
            for key, kinds in self.images.items()
        }
        return json.dumps(meta, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> "ChunkResult":
        meta = json.loads(data)
        observations = [
            FaceObservation(**{**face, "box": tuple(face["box"])})
            for face in meta.pop("observations")
        ]
        images = {
            key: {
                kind: Artifact(base64.b64decode(encoded), width, height)
                for kind, (encoded, width, height) in kinds.items()
            }
            for key, kinds in meta.pop("images").items()
        }
        meta["buckets"] = tuple(meta["buckets"])
        return cls(observations=observations, images=images, **meta)


class ChunkStore:
    def __init__(self, redis: Redis, prefix: str, ttl_seconds: int) -> None:
        self.redis = redis
        self.prefix = prefix
        self.ttl_seconds = ttl_seconds

    def _chunk(self, job_id: str, index: int) -> str:
        return f"{self.prefix}chunk:{job_id}:{index}"

    def _done(self, job_id: str) -> str:
        return f"{self.prefix}chunks-done:{job_id}"

    def save(self, job_id: str, result: ChunkResult) -> int:
        """Store the result; how many of the job's chunks are stored now."""
        pipe = self.redis.pipeline(transaction=True)
        pipe.set(self._chunk(job_id, result.index), result.to_json(), ex=self.ttl_seconds)
        pipe.sadd(self._done(job_id), result.index)
        pipe.expire(self._done(job_id), self.ttl_seconds)
        pipe.scard(self._done(job_id))
        return int(pipe.execute()[-1])

    def load(self, job_id: str, count: int) -> list[ChunkResult] | None:
        """The job's chunk results in order; None while one is missing."""
        results = []
        for index in range(count):
            data = self.redis.get(self._chunk(job_id, index))
            if data is None:
                return None
            results.append(ChunkResult.from_json(data))
        return results
