import time

import pytest
from fastapi.testclient import TestClient

from detector.apps.web import create_app

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


def test_info_says_the_model_and_whether_a_language_model_reads(client):
    info = client.get("/api/info").json()
    assert info["model"] == "evidence-baseline-v0" and info["lm"] is False and info["version"]


def test_lm_false_asks_for_the_report_without_the_language_models_reading(client, seeds):
    quick = client.post("/api/score", json={"text": seeds["004"], "lm": False})
    assert quick.status_code == 200
    assert quick.json() == client.post("/api/score", json={"text": seeds["004"]}).json()  # no LM here: the same report
    bad = client.post("/api/score", json={"text": seeds["004"], "lm": "sometimes"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "lm"]


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


def test_streamed_body_without_length_is_held_to_the_limit(client):
    chunks = (b'{"text": "' + b"word " * 20_000 for _ in range(3))  # a generator: sent chunked, no Content-Length
    response = client.post("/api/score", content=chunks, headers={"content-type": "application/json"})
    assert response.status_code == 413 and "bytes" in response.json()["detail"]


def test_article_over_the_character_limit_is_413_with_the_limit(seeds):
    from detector import Detector

    small = Detector.from_pretrained("evidence-baseline", max_chars=1_000)
    response = TestClient(create_app(small)).post("/api/score", json={"text": seeds["000"]})
    assert response.status_code == 413
    assert response.json()["detail"]["code"] == "too_large" and "1,000" in response.json()["detail"]["message"]
    page = "<html><head><script>" + "x" * 5_000 + "</script></head><body><p>The council met on Tuesday.</p></body></html>"
    response = TestClient(create_app(small)).post("/api/score", json={"html": page})  # its markup is allowed
    assert response.status_code == 200 and response.json()["sentences"][0]["text"] == "The council met on Tuesday."


@pytest.mark.slow  # waits out a timeout
def test_runaway_scoring_times_out_with_503(baseline_detector, seeds):
    slow = TestClient(create_app(baseline_detector, timeout_s=0.001))
    response = slow.post("/api/score", json={"text": seeds["000"]})
    assert response.status_code == 503 and "longer than" in response.json()["detail"]
    time.sleep(2)  # let the abandoned worker thread finish before its event loop goes away
    # the app is still up and answers the next request
    assert TestClient(create_app(baseline_detector, timeout_s=30)).post("/api/score", json={"text": "A short one."}).status_code == 200


def test_serve_binds_to_localhost_by_default():
    import inspect

    from detector.apps import cli

    params = inspect.signature(cli.serve).parameters
    assert params["host"].default.default == "127.0.0.1"
    assert params["timeout"].default.default > 0


@pytest.mark.slow  # starts a server with two workers and loads it
def test_a_short_load_test_against_a_real_server_has_no_errors(tmp_path):
    """The load-test tool itself, bounded: 1 then 4 clients for 3 s against `detector serve --workers 2`."""
    import json
    import subprocess
    import sys

    command = [sys.executable, "benchmarks/load_test.py", "--variant=--workers 2 --model evidence-baseline", "--clients", "1,4"]
    command += ["--seconds", "3", "--report", str(tmp_path / "load")]
    done = subprocess.run(command, cwd=ROOT_SEEDS.parent, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    (variant,) = json.loads((tmp_path / "load.json").read_text())["variants"]
    rows = variant["rows"]
    assert [r["clients"] for r in rows] == [1, 4]
    assert all(r["errors"] == 0 and r["ok"] >= 1 and r["p50_ms"] > 0 for r in rows)


@pytest.mark.parametrize(
    "body",
    [
        b'{"text": "Hello there.", "threshold": NaN}',
        b'{"text": "Hello there.", "threshold": Infinity}',
        b'{"text": "Hello there.", "threshold": -1e999}',
        b'{"text": "Hello there.", "threshold": 123456789012345678901234567890}',
        b'{"text": "Hello there.", "threshold": "\\ud800"}',
        b'{"text": ["a list"]}',
        b'{"text": "a", "html": "<p>b</p>"}',
        b"[1, 2]",
        b'{"text": "Hello \xff there."}',
    ],
)
def test_hostile_bodies_get_a_4xx_with_a_json_reason(client, body):
    response = client.post("/api/score", content=body, headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500
    assert response.json()["detail"]


def test_lone_surrogates_in_text_are_scored(client):
    body = b'{"text": "The talks went on.\\ud800 Officials said so on Monday."}'
    response = client.post("/api/score", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 200 and response.json()["replaced_bytes"] == 1


def test_the_connection_stays_usable_after_a_bad_request(baseline_detector):
    import http.client
    from urllib.parse import urlparse

    from servers import serve

    server = serve(baseline_detector)
    url = urlparse(next(server))
    try:
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        for body, status in ((b'{"text": "Hi there.", "threshold": NaN}', 422), (b'{"text": "The talks went on in Geneva."}', 200)):
            connection.request("POST", "/api/score", body, {"content-type": "application/json"})
            response = connection.getresponse()
            assert response.status == status and response.read()
    finally:
        next(server, None)


def test_the_page_recognises_the_too_short_reason():
    """app.js hides its own too-short hint where the verdict's reason says it: the same words."""
    from pathlib import Path

    from detector.labels import TOO_SHORT_REASON

    script = (Path(create_app.__code__.co_filename).parent / "static" / "app.js").read_text(encoding="utf-8")
    assert f'startsWith("{TOO_SHORT_REASON.split(" (")[0]}")' in script
