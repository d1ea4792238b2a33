"""A schema fuzz of the editor API (schemathesis): whatever the body, valid or not (wrong types,
missing fields, NaN, surrogates, huge numbers), the answer is a 4xx or 200 with a JSON body, never
a 500. The cases come from the app's own OpenAPI schema, so a new field is fuzzed without a change here."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detector.apps.web import create_app

FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def score_operation(baseline_detector):
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(baseline_detector, max_body_bytes=200_000))
    return schema["/api/score"]["POST"]


@pytest.mark.parametrize("mode", [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE])
def test_no_body_gives_a_server_error(score_operation, mode):
    @FUZZ
    @given(st.data())
    def run(data):
        case = data.draw(score_operation.as_strategy(mode))
        response = case.call()
        assert response.status_code < 500, f"{response.status_code} for {case.body!r}: {response.text[:300]}"
        assert response.headers["content-type"][0].startswith("application/json")
        response.json()

    run()
