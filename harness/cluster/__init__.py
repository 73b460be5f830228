"""Multi-host sweeps on Dask distributed: a scheduler, one worker per device host, a submitting sweep.

The engine only moves cells and their results; each cell runs through the same SweepSession / execute_run /
checks as a local sweep, on the host that owns its device, and the submitting host writes the sweep folder
with the same report writers.
"""
