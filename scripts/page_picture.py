#!/usr/bin/env python
"""The documentation's picture of the moderator page, as the shipped weights answer.

Two photos of two test people (never trained on) side by side: on the left the target as it
is, on the right the same photo forged with the source's face (`dfrec forge --kind swap`). The
shipped weights are exported and served by the bundled Triton with one worker and the API (as
`scripts/run_local.py` does, on free ports), Debian's chromium uploads the picture through the
page, and the finished page is saved.

    .venv/bin/python scripts/page_picture.py [--out docs/images/web_page.png]

With --video the same two faces drift for 4 seconds across a grey canvas (an H.264 clip made
with PyAV); the page shows the two tracks, and the most suspicious point of the timelines is
clicked so the frame behind it is drawn:

    .venv/bin/python scripts/page_picture.py --video --out docs/images/web_page_video.png
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import av
import httpx
import numpy as np
from PIL import Image
from redis import Redis

from dfrec_contract.settings import SharedSettings
from worker.localrun.__main__ import SHIPPED_LRE, SHIPPED_WEIGHTS
from worker.localrun.model_repository import build_repository
from worker.localrun.processes import free_port, wait_until
from worker.localrun.stack import ServiceStack, StackSettings
from worker.localrun.triton import LoopbackTritonServer

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "celeba-id"
SOURCE_PERSON, TARGET_PERSON = "7208", "7209"  # test people, as scripts/demo.sh uses
WINDOW = (1400, 1000)
JOB_TIMEOUT = 300
KEY_PREFIX = "dfrec-page-picture:"
CLIP_CANVAS, CLIP_SECONDS, CLIP_FPS, CLIP_DRIFT_PX = (720, 360), 4, 10, 60
MOST_SUSPICIOUS_POINT = """
const points = Array.from(document.querySelectorAll(".timeline circle.point"));
const height = (point) => point.cy.baseVal.value;  // smaller: a higher fake probability
return points.reduce((best, point) => (height(point) < height(best) ? point : best));
"""


def side_by_side(work: Path) -> Path:
    """The target photo beside its forgery, one JPEG (quality 95)."""
    source = sorted((DATA / SOURCE_PERSON).glob("*.jpg"))[0]
    target = sorted((DATA / TARGET_PERSON).glob("*.jpg"))[0]
    forged = work / "forged.png"
    dfrec = Path(sys.executable).with_name("dfrec")
    subprocess.run([dfrec, "forge", source, target, "--kind", "swap", "--out", forged], check=True)
    left, right = np.asarray(Image.open(target).convert("RGB")), np.asarray(Image.open(forged))
    photo = work / "real-and-forged.jpg"
    Image.fromarray(np.concatenate([left, right[..., :3]], axis=1)).save(photo, quality=95)
    return photo


def drifting_clip(photo: Path, work: Path) -> Path:
    """The photo drifting CLIP_DRIFT_PX to the right across a grey canvas, an H.264 MP4."""
    pixels = np.asarray(Image.open(photo).convert("RGB"))
    width, height = CLIP_CANVAS
    top = (height - pixels.shape[0]) // 2
    count = CLIP_SECONDS * CLIP_FPS
    clip = work / "real-and-forged.mp4"
    with av.open(str(clip), "w") as output:
        stream = output.add_stream("libx264", rate=CLIP_FPS)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for index in range(count):
            canvas = np.full((height, width, 3), 128, np.uint8)
            left = 10 + round(CLIP_DRIFT_PX * index / (count - 1))
            canvas[top : top + pixels.shape[0], left : left + pixels.shape[1]] = pixels
            output.mux(stream.encode(av.VideoFrame.from_ndarray(canvas, format="rgb24")))
        output.mux(stream.encode())
    return clip


def screenshot(
    api_url: str, api_key: str, photo: Path, out: Path, profile: Path, pick_point: bool
) -> None:
    from selenium import webdriver
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    options.add_argument(f"--window-size={WINDOW[0]},{WINDOW[1]}")
    options.add_argument(f"--user-data-dir={profile}")
    service = webdriver.ChromeService(executable_path="/usr/bin/chromedriver")
    browser = webdriver.Chrome(options=options, service=service)
    try:
        browser.get(api_url + "/")
        browser.find_element(By.ID, "api-key").send_keys(api_key)
        browser.find_element(By.ID, "file").send_keys(str(photo))
        WebDriverWait(browser, JOB_TIMEOUT).until(
            lambda driver: driver.execute_script("return document.body.dataset.job")
        )
        rendered = "return Array.from(document.images).every((image) => image.complete)"
        WebDriverWait(browser, 30).until(lambda driver: driver.execute_script(rendered))
        if pick_point:
            browser.execute_script(MOST_SUSPICIOUS_POINT).click()
            picked = "return document.body.dataset.frame"
            WebDriverWait(browser, 30).until(lambda driver: driver.execute_script(picked))
        height = browser.execute_script("return document.documentElement.scrollHeight")
        metrics = {"width": WINDOW[0], "height": height, "deviceScaleFactor": 1, "mobile": False}
        browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        out.parent.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(out))
    finally:
        browser.quit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images" / "web_page.png")
    parser.add_argument("--video", action="store_true", help="upload a clip of the two faces")
    args = parser.parse_args()
    redis_url = SharedSettings().redis_url
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        photo = side_by_side(work)
        upload = drifting_clip(photo, work) if args.video else photo
        repository = build_repository(SHIPPED_WEIGHTS, work / "repository", SHIPPED_LRE)
        http_port, grpc_port, metrics_port = free_port(), free_port(), free_port()
        triton = LoopbackTritonServer(
            repository, http_port, grpc_port, metrics_port, log_path=work / "triton.log"
        )
        settings = StackSettings(
            redis_url=redis_url,
            triton_http_url=f"http://127.0.0.1:{http_port}",
            triton_grpc_url=f"127.0.0.1:{grpc_port}",
            key_prefix=KEY_PREFIX,
            extra_env={"DFREC_MODEL_REPOSITORY": str(repository.resolve())},
        )
        try:
            with triton:
                triton.wait_ready("dfrec")
                with ServiceStack(settings, work, workers=1) as stack:
                    ready = lambda: httpx.get(f"{stack.api_url}/readyz").status_code == 200  # noqa: E731
                    wait_until(ready, timeout=120, what="/readyz answering 200")
                    screenshot(
                        stack.api_url, stack.api_key, upload, args.out, work / "profile", args.video
                    )
        finally:
            redis = Redis.from_url(redis_url)
            keys = list(redis.scan_iter(match=f"{KEY_PREFIX}*"))
            if keys:
                redis.delete(*keys)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
