import pytest
from fastapi.testclient import TestClient

from detector.web import create_app

ROOT_SEEDS = __import__("pathlib").Path(__file__).resolve().parents[1] / "seeds"


@pytest.fixture(scope="module")
def client(baseline_detector):
    return TestClient(create_app(baseline_detector, ROOT_SEEDS, max_body_bytes=200_000))


def test_score_returns_the_cli_report_with_text(client, seeds):
    response = client.post("/api/score", json={"text": seeds["000"]})
    assert response.status_code == 200
    data = response.json()
    assert data["verdict"] == "spun" and data["text"] == seeds["000"]
    assert set(data["sentences"][0]) >= {"start", "end", "text", "score", "labels", "evidence"}


def test_html_and_threshold(client):
    html = "<article><p>Australia, Canada, Britain, and Canada are not sending representatives.</p></article>"
    data = client.post("/api/score", json={"html": html, "threshold": 0.95}).json()
    assert data["source"] == "html" and data["threshold"] == 0.95
    assert data["sentences_flagged"] == 0  # the list evidence is 0.9, under 0.95


def test_bad_requests_get_clear_errors(client):
    assert client.post("/api/score", json={}).status_code == 422
    empty = client.post("/api/score", json={"text": "   "})
    assert empty.status_code == 422 and empty.json()["detail"]["code"] == "empty"
    huge = client.post("/api/score", json={"text": "word " * 100_000})
    assert huge.status_code == 413 and "bytes" in huge.json()["detail"]


def test_security_headers_and_openapi(client):
    page = client.get("/")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "/api/score" in client.get("/openapi.json").json()["paths"]


def test_examples(client):
    names = client.get("/api/examples").json()
    assert len(names) == 5 and names[0].startswith("000_")
    assert client.get(f"/api/examples/{names[0]}").json()["text"].startswith("Vladimir Putin")
    assert client.get("/api/examples/..%2Fpyproject.toml").status_code == 404
