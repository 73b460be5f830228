"""Runtime hooks: Frida on Android (its own issue), CDP + an injected script on the web device."""
