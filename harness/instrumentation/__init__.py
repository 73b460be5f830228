"""Runtime hooks: the Frida agent and its Android lifecycle; CDP + an injected script on the web device."""

HOOK_PROBLEM = "hook-problem"
"""Kind of the hook-log records that carry a problem (lost session, script error) rather than an app event."""
