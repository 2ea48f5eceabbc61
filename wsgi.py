"""WSGI entry point: ``gunicorn wsgi:app``."""

from kollega import create_app

app = create_app()
