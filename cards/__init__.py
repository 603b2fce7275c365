"""Dataset cards, metadata and publishing."""

from emgen.cards._card import render_card, write_card

__all__ = ["render_card", "write_card"]
