"""Serving bundled sample apps (samples/<name>/app.py + static/) on loopback, dual-stack."""
