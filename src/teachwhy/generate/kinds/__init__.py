"""The shipped generators; importing this package registers them."""

from teachwhy.generate.kinds import advice, direct, documents, stories

__all__ = ["advice", "direct", "documents", "stories"]
