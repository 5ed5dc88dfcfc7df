"""Tests of dtindex.io.atomic: write-to-temporary-then-rename outputs."""

from __future__ import annotations

import os
import stat

import pytest

from dtindex.io.atomic import atomic_write, write_text


class Boom(Exception):
    pass


def listing(folder):
    return sorted(p.name for p in folder.iterdir())


def test_success_replaces_content(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old\n", encoding="utf-8")
    with atomic_write(target) as fh:
        fh.write("new,值\n")
        # nothing is visible at the target until the block ends
        assert target.read_text(encoding="utf-8") == "old\n"
    assert target.read_text(encoding="utf-8") == "new,值\n"
    assert listing(tmp_path) == ["out.csv"]


def test_success_creates_file_and_parent_folders(tmp_path):
    target = tmp_path / "a" / "b" / "out.txt"
    with atomic_write(target) as fh:
        fh.write("x")
    assert target.read_text(encoding="utf-8") == "x"
    assert listing(target.parent) == ["out.txt"]


def test_exception_leaves_target_untouched_and_no_temp_file(tmp_path):
    target = tmp_path / "out.csv"
    target.write_bytes(b"original")
    with pytest.raises(Boom), atomic_write(target) as fh:
        fh.write("half-written")
        raise Boom()
    assert target.read_bytes() == b"original"
    assert listing(tmp_path) == ["out.csv"]


def test_exception_without_existing_target_creates_nothing(tmp_path):
    with pytest.raises(Boom), atomic_write(tmp_path / "out.csv") as fh:
        fh.write("x")
        raise Boom()
    assert listing(tmp_path) == []


def test_keyboard_interrupt_also_cleans_up(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("keep", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt), atomic_write(target) as fh:
        fh.write("x")
        raise KeyboardInterrupt
    assert target.read_text(encoding="utf-8") == "keep"
    assert listing(tmp_path) == ["out.csv"]


def test_temp_file_lives_next_to_target(tmp_path):
    target = tmp_path / "out.csv"
    with atomic_write(target):
        names = listing(tmp_path)
        assert len(names) == 1 and names[0].startswith(".out.csv.") and names[0].endswith(".tmp")
    assert listing(tmp_path) == ["out.csv"]


def test_text_mode_writes_newlines_verbatim(tmp_path):
    target = tmp_path / "out.csv"
    with atomic_write(target) as fh:
        fh.write("a\r\nb\n")
    assert target.read_bytes() == b"a\r\nb\n"


def test_binary_mode(tmp_path):
    target = tmp_path / "out.bin"
    with atomic_write(target, "wb") as fh:
        fh.write(b"\x00\xff")
    assert target.read_bytes() == b"\x00\xff"


def test_write_text_with_and_without_bom(tmp_path):
    write_text(tmp_path / "a.csv", "x,值\n")
    write_text(tmp_path / "b.csv", "x,值\n", bom=True)
    assert (tmp_path / "a.csv").read_bytes() == "x,值\n".encode()
    assert (tmp_path / "b.csv").read_bytes() == b"\xef\xbb\xbf" + "x,值\n".encode()


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_new_file_gets_the_mode_open_would_give(tmp_path, umask, mode):
    # mkstemp creates 0600 files; outputs follow the umask like a plain open() (reports shared with other users)
    old = os.umask(umask)
    try:
        with atomic_write(tmp_path / "out.csv") as fh:
            fh.write("x")
        assert os.umask(umask) == umask  # the process umask is left as it was
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "out.csv").stat().st_mode) == mode
