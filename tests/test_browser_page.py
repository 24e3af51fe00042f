"""The moderator page in a real browser: Debian's chromium, headless, driven by selenium,
enters the API key (kept in sessionStorage only), uploads a group photo to the real stack,
waits for the result, checks that every picture rendered and that the evidence downloads and
verifies with the published public key; saves a screenshot to
artifacts/web_page.png (git-ignored; the README's picture is made with the shipped weights by
scripts/page_picture.py)."""

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from photos import group_photo, jpeg_bytes

from dfrec_contract.evidence import public_keys_from_jwks, verify

pytestmark = [pytest.mark.browser, pytest.mark.service, pytest.mark.slow, pytest.mark.data]

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOT = Path(__file__).resolve().parents[1] / "artifacts" / "web_page.png"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
)
JOB_TIMEOUT = 180

RENDERED_IMAGES = """
return Array.from(document.images)
  .filter((image) => !image.closest("[hidden]"))
  .map((image) => [image.alt, image.complete, image.naturalWidth]);
"""
FETCH_EVIDENCE = """
const done = arguments[arguments.length - 1];
fetch(document.getElementById("download-evidence").href)
  .then((response) => response.text()).then(done, (error) => done(String(error)));
"""


@pytest.fixture
def browser(tmp_path: Path) -> Iterator:
    if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
        pytest.skip(f"{CHROMIUM} or {CHROMEDRIVER} is absent: apt-get install chromium-driver")
    webdriver = pytest.importorskip("selenium.webdriver")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(flag)
    service = webdriver.ChromeService(executable_path=str(CHROMEDRIVER))
    driver = webdriver.Chrome(options=options, service=service)
    yield driver
    driver.quit()


def test_group_photo_through_the_page(browser, make_stack, celeba_root: Path, tmp_path: Path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    stack = make_stack(DFREC_MIN_FACE_SIZE="110")
    photo = tmp_path / "group.jpg"
    photo.write_bytes(jpeg_bytes(group_photo(celeba_root)))

    browser.get(stack.api_url + "/")
    browser.find_element(By.ID, "api-key").send_keys(stack.api_key)
    browser.find_element(By.ID, "file").send_keys(str(photo))
    WebDriverWait(browser, JOB_TIMEOUT).until(
        lambda driver: driver.execute_script("return document.body.dataset.job")
    )
    status = browser.find_element(By.ID, "status").text
    assert browser.execute_script("return document.body.dataset.job") == "succeeded", status
    WebDriverWait(browser, 30).until(
        lambda driver: all(done for _, done, _ in driver.execute_script(RENDERED_IMAGES))
    )

    images = browser.execute_script(RENDERED_IMAGES)
    # photo, 3 in context (target, source, LRE heat map); per processed face 6 (with heat map)
    assert len(images) == 4 + 2 * 6, images
    assert "heat maps over the photo" in [alt for alt, _, _ in images]
    assert all(width > 0 for _, _, width in images), images
    assert len(browser.find_elements(By.CSS_SELECTOR, ".face-box")) == 3
    assert len(browser.find_elements(By.CSS_SELECTOR, ".face-box.skipped")) == 1
    assert len(browser.find_elements(By.CSS_SELECTOR, ".face")) == 3
    assert "Fake probability" in browser.find_element(By.ID, "summary").text
    caution = browser.find_element(By.ID, "caution")  # the recovered faces are estimates
    assert caution.is_displayed() and "not to identify anyone" in caution.text
    coverage = browser.find_element(By.ID, "coverage")  # what the detector was measured to catch
    assert (
        coverage.is_displayed() and "GAN or" in coverage.text and "mostly missed" in coverage.text
    )
    manifest = json.loads(browser.execute_async_script(FETCH_EVIDENCE))
    assert manifest["faces_detected"] == 3
    published = httpx.get(f"{stack.api_url}/.well-known/dfrec-keys.json").json()
    assert verify(manifest, public_keys=public_keys_from_jwks(published)) == []
    stored = "return [sessionStorage.getItem('dfrec.apiKey'), localStorage.length]"
    assert browser.execute_script(stored) == [stack.api_key, 0]

    height = browser.execute_script("return document.documentElement.scrollHeight")
    metrics = {"width": 1400, "height": height, "deviceScaleFactor": 1, "mobile": False}
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOT))
