"""Link face boxes of successive sampled frames into tracks (one person across frames).

Greedy IoU matching, the core of SORT without its Kalman filter: each frame, the pairs (live
track, new box) are taken in order of falling IoU (ties by track id, then box order), a pair
below `min_iou` never; a box left over starts a new track; a track not seen for more than
`max_gap` sampled frames is closed. Deterministic: the same boxes give the same ids. Why no
motion model: at 2 samples a second, faces in the test clips move a small part of their width
between samples (IoU of the same face between samples, measured: docs/videos.md), far above
`min_iou`, while boxes of two different people do not overlap at all.
"""

from dataclasses import dataclass

Box = tuple[int, int, int, int]


def iou(first: Box, second: Box) -> float:
    """Intersection over union of two (left, top, right, bottom) boxes."""
    width = min(first[2], second[2]) - max(first[0], second[0])
    height = min(first[3], second[3]) - max(first[1], second[1])
    if width <= 0 or height <= 0:
        return 0.0
    overlap = width * height
    area = (first[2] - first[0]) * (first[3] - first[1]) + (second[2] - second[0]) * (
        second[3] - second[1]
    )
    return overlap / (area - overlap)


@dataclass
class _LiveTrack:
    id: int
    box: Box
    last_sample: int


class IouTracker:
    def __init__(self, min_iou: float, max_gap: int) -> None:
        self.min_iou = min_iou
        self.max_gap = max_gap
        self._live: list[_LiveTrack] = []
        self._next_id = 0

    def update(self, sample: int, boxes: list[Box]) -> list[int]:
        """The track id of each box of sampled frame number `sample` (increasing)."""
        self._live = [
            track for track in self._live if sample - track.last_sample - 1 <= self.max_gap
        ]
        pairs = sorted(
            (
                (-iou(track.box, box), track.id, position)
                for track in self._live
                for position, box in enumerate(boxes)
            ),
        )
        ids: list[int | None] = [None] * len(boxes)
        taken: set[int] = set()
        by_id = {track.id: track for track in self._live}
        for negative_iou, track_id, position in pairs:
            if -negative_iou < self.min_iou:
                break
            if track_id in taken or ids[position] is not None:
                continue
            taken.add(track_id)
            ids[position] = track_id
            by_id[track_id].box, by_id[track_id].last_sample = boxes[position], sample
        for position, box in enumerate(boxes):
            if ids[position] is None:
                ids[position] = self._next_id
                self._live.append(_LiveTrack(self._next_id, box, sample))
                self._next_id += 1
        return [track_id for track_id in ids if track_id is not None]
