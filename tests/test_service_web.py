"""The moderator page and its files are served by the API; evidence of an unknown job is 404."""

from fastapi.testclient import TestClient

from service.app import create_app
from service.config import ServiceSettings


def test_page_script_and_style_are_served() -> None:
    with TestClient(create_app(ServiceSettings(env="test"))) as client:
        page = client.get("/")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        for path in ("static/app.js", "static/style.css"):
            assert path in page.text
            assert client.get(f"/{path}").status_code == 200
        missing = client.get("/jobs/not-a-job-id/evidence")
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "job_not_found"
