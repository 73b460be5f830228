"""Observations: everything a run saw, as plain data the checks read (and `recheck` replays)."""
