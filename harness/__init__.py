"""Fingertip (指尖): dynamic, on-device technical detection of government mobile apps."""

__version__ = "0.1.0"
