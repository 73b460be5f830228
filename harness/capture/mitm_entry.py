"""Script mitmdump loads with `-s`: Fingertip's addons in their order."""

from harness.capture.addons import default_addons

addons = default_addons()
