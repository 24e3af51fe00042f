"""The moderator page and its files are served without a key; evidence of an unknown job is
404 with a key, 401 without."""

from fastapi.testclient import TestClient
from service_stack import API_KEY, AUTH

from service.app import create_app
from service.config import ServiceSettings


def test_page_script_and_style_are_served() -> None:
    settings = ServiceSettings(env="test", development_api_key=API_KEY)
    with TestClient(create_app(settings)) as client:
        page = client.get("/")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        for path in ("static/app.js", "static/video.js", "static/style.css"):
            assert path in page.text
            assert client.get(f"/{path}").status_code == 200
        assert client.get("/jobs/not-a-job-id/evidence").status_code == 401
        missing = client.get("/jobs/not-a-job-id/evidence", headers=AUTH)
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "job_not_found"
