"""write_atomically: the new bytes or the old file, never half, no temporary left behind."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from wipcast.files import write_atomically


def test_it_replaces_the_file_and_makes_its_folder(tmp_path: Path) -> None:
    target = tmp_path / "new" / "views.json"
    write_atomically(target, b"first")
    write_atomically(target, b"second")
    assert target.read_bytes() == b"second"
    assert os.listdir(target.parent) == ["views.json"]


def test_a_failed_write_keeps_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "pack.pdf"
    target.write_bytes(b"old")

    def no_rename(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", no_rename)
    with pytest.raises(OSError, match="No space"):
        write_atomically(target, b"new")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["pack.pdf"]


def test_a_secret_is_owner_only_from_the_first_byte(tmp_path: Path) -> None:
    target = tmp_path / "token.json"
    write_atomically(target, b"{}", mode=0o600)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
