"""The UI as the explorer sees it, whatever the backend: one normalised node model."""
