"""The capture CA's key lives outside the reports folder, private, and goes when the sweep ends."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from harness.capture.ca import ca_dir, remove_ca
from harness.errors import HostError


def test_the_ca_folder_is_private_outside_reports_and_removed(tmp_path: Path) -> None:
    reports, root = tmp_path / "reports", tmp_path / "cache"
    sweep = reports / "20261202-120000-abcd"
    folder = ca_dir(sweep, root)
    assert reports not in folder.parents
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700 and stat.S_IMODE(root.stat().st_mode) == 0o700
    assert ca_dir(sweep, root) == folder  # every worker of the sweep finds the same one
    assert ca_dir(reports / "another", root) != folder
    (folder / "mitmproxy-ca.pem").write_text("key")
    remove_ca(sweep, root)
    assert not folder.exists()


def test_a_ca_folder_someone_else_planted_is_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    root = tmp_path / "cache"
    root.mkdir()
    sweep = tmp_path / "reports" / "s"
    target = ca_dir(sweep, root)
    target.rmdir()
    target.symlink_to(elsewhere)  # a link to a folder the key would leak into
    with pytest.raises(HostError, match="capture CA"):
        ca_dir(sweep, root)
    assert os.listdir(elsewhere) == []
