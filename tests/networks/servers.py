"""Moved to tests/servers.py (one helper for every test that starts server processes);
this name stays for the imports that use it."""

from tests.servers import ReplayingClient, ServerProcess

__all__ = ["ReplayingClient", "ServerProcess"]
