"""A real uvicorn server on a free loopback port, in a thread, for tests that need real HTTP."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def serve(detector, examples=ROOT / "seeds", **app_options):
    import uvicorn

    from detector.apps.web import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(create_app(detector, examples, **app_options), host="127.0.0.1", port=port, log_level="error")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(100):
        if srv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)
