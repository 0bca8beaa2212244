"""Peak-season fixtures: the knowledge fixtures, for surges that pin answers."""

from tests.knowledge.conftest import category, kb_member2, publish  # noqa: F401
