"""Traffic capture: a mitmproxy process per run with Fingertip's addons."""
