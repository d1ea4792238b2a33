"""The editor's scoring processes (issue 20 items 4, 5): many requests at once, a bounded queue,
a time limit that stops the work, and workers replaced so memory returns to its baseline."""

from __future__ import annotations

import asyncio
import os
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from servers import serve

from detector.apps.web.workers import Busy, PoolConfig, TimedOut, WorkerPool
from detector.errors import InputError

pytestmark = pytest.mark.slow
MODEL = "evidence-baseline"  # loads in seconds; the pool does not care which model it holds


def _request(text: str) -> dict:
    return {"input": text, "html": None, "threshold": None}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture(scope="module")
def pool():
    pool = WorkerPool(MODEL, {}, PoolConfig(workers=2, queue_size=8, timeout_s=60)).start()
    yield pool
    pool.close()


def test_workers_score_as_the_detector_does_and_side_by_side(pool, baseline_detector, seeds):
    async def many():
        return await asyncio.gather(*[pool.score(_request(seeds[k])) for k in ("000", "001", "002", "003", "004", "000")])

    reports = asyncio.run(many())
    expected = [baseline_detector.score(seeds[k]).to_dict(include_text=True) for k in ("000", "001", "002", "003", "004", "000")]
    assert [r["verdict"] for r in reports] == [e["verdict"] for e in expected]
    assert [r["score"] for r in reports] == pytest.approx([e["score"] for e in expected], abs=1e-6)
    assert pool.model_name == "evidence-baseline-v0" and len(set(pool.pids())) == 2
    assert pool.reads_with_lm is False
    quick = asyncio.run(pool.score({**_request(seeds["004"]), "lm": False}))  # the editor's first ask under --lm
    assert quick["score"] == pytest.approx(expected[4]["score"], abs=1e-6)


def test_input_errors_come_back_as_input_errors(pool):
    with pytest.raises(InputError) as exc:
        asyncio.run(pool.score(_request("   ")))
    assert exc.value.code == "empty"


def test_a_full_queue_is_503_with_retry_after(seeds):
    pool = WorkerPool(MODEL, {}, PoolConfig(workers=1, queue_size=0, timeout_s=60)).start()
    long = (seeds["000"] + "\n") * 40  # about 3 s to score
    try:
        server = serve(pool)
        url = next(server) + "/api/score"
        with ThreadPoolExecutor(3) as clients:
            answers = list(clients.map(lambda _: httpx.post(url, json={"text": long}, timeout=120), range(3)))
        statuses = sorted(a.status_code for a in answers)
        assert statuses[0] == 200 and 503 in statuses
        busy = next(a for a in answers if a.status_code == 503)
        assert int(busy.headers["retry-after"]) >= 1 and "busy" in busy.json()["detail"]
        next(server, None)
    finally:
        pool.close()


def test_a_request_past_its_limit_stops_using_cpu_and_the_pool_recovers(seeds):
    pool = WorkerPool(MODEL, {}, PoolConfig(workers=1, timeout_s=0.5)).start()
    try:
        (before,) = pool.pids()
        with pytest.raises(TimedOut):
            asyncio.run(pool.score(_request((seeds["000"] + "\n") * 40)))
        for _ in range(50):  # the worker that ran past the limit is killed, not left to finish
            if not _alive(before):
                break
            time.sleep(0.1)
        assert not _alive(before)
        pool.config = PoolConfig(workers=1, timeout_s=60)

        async def after():
            await asyncio.sleep(0)
            return await pool.score(_request(seeds["001"]))

        assert asyncio.run(_retrying(after))["verdict"] == "clean"
        assert pool.pids() != [before] and pool.replaced == 1
    finally:
        pool.close()


async def _retrying(call, seconds: float = 120.0):
    """The replacement loads the model in the background; the first request waits for it."""
    return await asyncio.wait_for(call(), seconds)


def test_workers_are_replaced_after_max_requests_so_memory_returns_to_baseline(seeds):
    pool = WorkerPool(MODEL, {}, PoolConfig(workers=1, max_requests=2, timeout_s=60)).start()
    try:
        (first,) = pool.pids()
        baseline = pool.memory_mb()[first]

        async def two():
            return [await pool.score(_request((seeds["000"] + "\n") * 20)) for _ in range(2)]

        assert len(asyncio.run(two())) == 2
        for _ in range(600):  # the replacement loads in the background
            if pool.pids() != [first]:
                break
            time.sleep(0.1)
        (second,) = pool.pids()
        assert second != first and not _alive(first)
        fresh = pool.memory_mb()[second]
        if baseline is not None and fresh is not None:
            assert fresh < baseline * 1.1  # a new worker starts where the first one did
    finally:
        pool.close()


def test_busy_says_when_to_retry():
    assert Busy(3).retry_after == 3 and "retry in 3 s" in str(Busy(3))
