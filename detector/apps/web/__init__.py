"""The editor tool: a FastAPI app with one static page that highlights suspect sentences."""

from detector.apps.web.app import create_app

__all__ = ["create_app"]
