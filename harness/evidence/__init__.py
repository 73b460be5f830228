"""Canaries, keyword lists and (later) redaction: what makes evidence trustworthy."""
