"""Fixtures of the auth tests."""

from tests.support.redis import redis_client, redis_server

__all__ = ["redis_client", "redis_server"]
