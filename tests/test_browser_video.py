"""The moderator page with a video, in a real browser (the photo test's chromium and fixtures):
a 3-second clip of two people made here with PyAV goes through the real stack; the page shows
progress while the job runs, one row per track with its best face and recovered faces, a
timeline SVG with one point per sampled frame, and clicking a point draws the frame behind it
(checked against the frame PyAV decodes), or for an H.265 clip this chromium cannot decode,
the track's best face; saves a screenshot to artifacts/web_page_video.png
(git-ignored; docs/images/web_page_video.png is a copy of one)."""

import base64
import io
import re
from pathlib import Path

import av
import httpx
import numpy as np
import pytest
from PIL import Image
from service_stack import AUTH
from test_browser_page import RENDERED_IMAGES, browser  # noqa: F401 (the fixture)
from videos import people_clip

pytestmark = [pytest.mark.browser, pytest.mark.service, pytest.mark.slow, pytest.mark.data]

SCREENSHOT = Path(__file__).resolve().parents[1] / "artifacts" / "web_page_video.png"
JOB_TIMEOUT = 180
SECONDS, FPS, SAMPLES = 3.0, 10, 6
"""At 2 samples a second: the frames at 0, 0.5, ..., 2.5 s."""

RECORD_STATUS = """
window.statusLog = [];
const status = document.getElementById("status");
new MutationObserver(() => window.statusLog.push(status.textContent))
  .observe(status, { childList: true, characterData: true, subtree: true });
"""
TIMELINE_FRAMES = """
return Array.from(document.querySelectorAll(".timeline")).map((chart) => [
  Number(chart.dataset.track),
  Array.from(chart.querySelectorAll("circle.point")).map((dot) => Number(dot.dataset.frame)),
]);
"""
CANVAS_PNG = "return document.getElementById('frame').toDataURL('image/png');"


def decoded_frames(clip: bytes, wanted: set[int]) -> dict[int, np.ndarray]:
    with av.open(io.BytesIO(clip)) as container:
        frames = enumerate(container.decode(container.streams.video[0]))
        return {i: frame.to_ndarray(format="rgb24") for i, frame in frames if i in wanted}


def canvas_pixels(driver) -> np.ndarray:
    data = driver.execute_script(CANVAS_PNG).split(",", 1)[1]
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB"))


def test_video_through_the_page(browser, make_stack, celeba_root: Path, tmp_path: Path):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    stack = make_stack()
    clip_bytes = people_clip(celeba_root, SECONDS, FPS)
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(clip_bytes)

    browser.get(stack.api_url + "/")
    browser.execute_script(RECORD_STATUS)
    browser.find_element(By.ID, "api-key").send_keys(stack.api_key)
    browser.find_element(By.ID, "file").send_keys(str(clip))
    WebDriverWait(browser, JOB_TIMEOUT).until(
        lambda driver: driver.execute_script("return document.body.dataset.job")
    )
    status = browser.find_element(By.ID, "status").text
    assert browser.execute_script("return document.body.dataset.job") == "succeeded", status
    log = browser.execute_script("return window.statusLog")
    assert any(re.search(rf"frames \d+ / {SAMPLES}", text) for text in log), log
    job_id = re.match(r"Job (\S+): succeeded", status).group(1)
    job = httpx.get(f"{stack.api_url}/jobs/{job_id}", headers=AUTH).json()
    tracks = job["result"]["tracks"]
    assert len(tracks) == 2

    assert browser.find_element(By.ID, "result").get_attribute("hidden"), "photo view hidden"
    WebDriverWait(browser, 30).until(
        lambda driver: all(done for _, done, _ in driver.execute_script(RENDERED_IMAGES))
    )
    images = browser.execute_script(RENDERED_IMAGES)
    assert len(images) == 2 * 3 and all(width > 0 for _, _, width in images), images
    rows = browser.find_elements(By.CSS_SELECTOR, "#tracks tbody tr")
    assert [row.find_element(By.TAG_NAME, "td").text for row in rows] == ["#0", "#1"]
    for row, track in zip(rows, tracks, strict=True):
        assert track["verdict"] in row.text and str(track["frames_seen"]) in row.text
    charts = dict(browser.execute_script(TIMELINE_FRAMES))
    for track in tracks:
        assert charts[track["id"]] == [point["frame"] for point in track["timeline"]]
        assert len(charts[track["id"]]) == track["frames_seen"] == SAMPLES

    last, before = (point["frame"] for point in tracks[0]["timeline"][:-3:-1])
    dot = f'.timeline[data-track="0"] circle.point[data-frame="{last}"]'
    browser.find_element(By.CSS_SELECTOR, dot).click()
    WebDriverWait(browser, 30).until(
        lambda driver: driver.execute_script("return document.body.dataset.frame") == f"0:{last}"
    )
    assert f"frame {last}" in browser.find_element(By.ID, "frame-caption").text
    shown = canvas_pixels(browser).astype(np.float32)
    truth = decoded_frames(clip_bytes, {last, before})
    assert shown.shape == truth[last].shape
    error = {index: np.abs(shown - pixels).mean() for index, pixels in truth.items()}
    assert error[last] < 4 and error[last] < error[before] / 2, error

    height = browser.execute_script("return document.documentElement.scrollHeight")
    metrics = {"width": 1400, "height": height, "deviceScaleFactor": 1, "mobile": False}
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOT))

    # H.265, which this chromium cannot decode: the point shows the track's best face instead.
    hevc = tmp_path / "clip-hevc.mp4"
    hevc.write_bytes(people_clip(celeba_root, SECONDS, FPS, codec="libx265"))
    browser.find_element(By.ID, "file").send_keys(str(hevc))
    WebDriverWait(browser, JOB_TIMEOUT).until(
        lambda driver: driver.execute_script("return document.body.dataset.job")
    )
    status = browser.find_element(By.ID, "status").text
    assert browser.execute_script("return document.body.dataset.job") == "succeeded", status
    job_id = re.match(r"Job (\S+): succeeded", status).group(1)
    track = httpx.get(f"{stack.api_url}/jobs/{job_id}", headers=AUTH).json()["result"]["tracks"][0]
    browser.find_element(By.CSS_SELECTOR, dot).click()
    WebDriverWait(browser, 30).until(
        lambda driver: (
            driver.execute_script("return document.body.dataset.frame")
            == f"0:{track['best_frame']}"
        )
    )
    assert browser.find_element(By.ID, "frame-fallback").is_displayed()
    assert not browser.find_element(By.ID, "frame").is_displayed()
    assert "cannot decode" in browser.find_element(By.ID, "frame-caption").text
