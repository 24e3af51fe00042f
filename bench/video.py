#!/usr/bin/env python
"""Video benchmark (not a test): a 720p clip of celeba-id people made here, then
1. decode only: every frame decoded (PyAV, threads AUTO), frames/s;
2. the worker's loop without Triton: sampled frames (DFREC_VIDEO_SAMPLE_FPS) decoded and
   searched for faces with the photo's face stage, faces/s, peak memory of this process;
3. end to end through a running stack: POST /recover, poll GET /jobs/{id} until it ends, wall
   time and the job's own timings, Triton batch sizes, peak memory of the worker processes.

    python scripts/run_local.py --port 8090 &        # the stack (the shipped weights)
    python bench/video.py --seconds 60 --api-url http://127.0.0.1:8090 --api-key <its key>
With DFREC_VIDEO_CHUNK_SECONDS=0 for the stack one worker takes the whole video; with the
default (30) and --workers 2 the chunks spread over both.
"""

import argparse
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # run as a script, bench/worker.py would shadow the worker package
sys.path.insert(1, str(ROOT / "tests"))  # the test clips' maker (tests/videos.py)

import av  # noqa: E402
import httpx  # noqa: E402
from videos import people_clip  # noqa: E402

from dfrec_contract.video import VideoFacts  # noqa: E402
from worker.config import WorkerSettings  # noqa: E402
from worker.faces import find_faces  # noqa: E402
from worker.video_frames import FrameSampler  # noqa: E402

CELEBA = ROOT.parent / "shared" / "data" / "celeba-id"
IMAGE_SIZE = 128


def decode_all(path: Path) -> tuple[int, float]:
    started = time.perf_counter()
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        frames = sum(1 for _ in container.decode(stream))
    return frames, time.perf_counter() - started


def sample_and_detect(path: Path, facts: VideoFacts, settings: WorkerSettings) -> dict:
    sampler = FrameSampler(path, facts, settings.video_sample_fps, 1280 * 720)
    faces = samples = 0
    started = time.perf_counter()
    for frame in sampler:
        search = find_faces(
            frame.rgb,
            IMAGE_SIZE,
            settings.max_faces,
            settings.min_face_size,
            settings.detection_budget,
        )
        faces += len(search.processable())
        samples += 1
    seconds = time.perf_counter() - started
    return {
        "frames_decoded": sampler.frames_decoded,
        "frames_sampled": samples,
        "faces": faces,
        "seconds": round(seconds, 2),
        "faces_per_second": round(faces / seconds, 2),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def worker_peak_mib(key_prefix: str) -> dict[str, float]:
    """VmHWM of each running Celery worker process of worker.app whose DFREC_REDIS_KEY_PREFIX
    is key_prefix (the stack measured; read from /proc)."""
    peaks = {}
    wanted = f"DFREC_REDIS_KEY_PREFIX={key_prefix}".encode()
    for proc in Path("/proc").iterdir():
        try:
            command = (proc / "cmdline").read_bytes().split(b"\0")
            if b"celery" not in b" ".join(command) or b"worker.app" not in command:
                continue
            if wanted not in (proc / "environ").read_bytes().split(b"\0"):
                continue
            for line in (proc / "status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks[proc.name] = round(int(line.split()[1]) / 1024, 1)
        except OSError:
            continue
    return peaks


def end_to_end(data: bytes, api_url: str, api_key: str, key_prefix: str) -> dict:
    headers = {"Authorization": f"Bearer {api_key}"}
    with httpx.Client(base_url=api_url, headers=headers, timeout=120) as api:
        started = time.perf_counter()
        response = api.post("/recover", files={"image": ("clip.mp4", data, "video/mp4")})
        response.raise_for_status()
        job_id = response.json()["id"]
        while True:
            job = api.get(f"/jobs/{job_id}").json()
            if job["status"] not in ("queued", "running"):
                break
            time.sleep(0.5)
        wall = time.perf_counter() - started
    result = job["result"] or {}
    return {
        "status": job["status"],
        "wall_seconds": round(wall, 2),
        "timings_ms": result.get("timings_ms"),
        "video": result.get("video"),
        "tracks": [
            {key: track[key] for key in ("id", "frames_seen", "fake_probability", "verdict")}
            for track in result.get("tracks") or []
        ],
        "worker_peak_mib": worker_peak_mib(key_prefix),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--people", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("/tmp/dfrec-bench-720p.mp4"))
    parser.add_argument("--api-url", help="a running stack; without it, steps 1-2 only")
    parser.add_argument("--api-key")
    parser.add_argument("--key-prefix", default="dfrec:", help="the stack's DFREC_REDIS_KEY_PREFIX")
    args = parser.parse_args()
    started = time.perf_counter()
    data = people_clip(
        CELEBA,
        args.seconds,
        args.fps,
        args.people,
        (1280, 720),
        codec_options={"preset": "ultrafast"},
    )
    args.out.write_bytes(data)
    report: dict = {"clip": {"bytes": len(data), "made_seconds": time.perf_counter() - started}}
    frames, seconds = decode_all(args.out)
    report["decode"] = {"frames": frames, "frames_per_second": round(frames / seconds, 1)}
    facts = VideoFacts("MP4", "h264", args.seconds, args.fps, frames, 0, args.out.name)
    report["sample_and_detect"] = sample_and_detect(args.out, facts, WorkerSettings())
    if args.api_url:
        report["end_to_end"] = end_to_end(data, args.api_url, args.api_key, args.key_prefix)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
