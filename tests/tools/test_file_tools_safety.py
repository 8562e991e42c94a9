"""File tools against attacks on the file system itself: a directory swapped for a link while
the tools run, hard links to files outside, FIFOs and huge files."""

from __future__ import annotations

import os
import shutil
import threading
import time
import tracemalloc

import pytest

from agentcast.exceptions import ToolExecutionError
from agentcast.tools.services import files


@pytest.fixture
def ws(tmp_path):
    root = tmp_path / "ws"
    root.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "f.txt").write_text("SECRET")
    (tmp_path / "secret.txt").write_text("top secret")
    return root


def _call(func, *args, **kwargs):
    """The tool's answer, or the refusal text (the Toolkit turns the error into that)."""
    try:
        r = func(*args, **kwargs)
        return r.ok, r.content
    except ToolExecutionError as exc:
        return False, str(exc)
    except OSError as exc:  # the Toolkit reports any other failure to the model as well
        return False, f"{type(exc).__name__}: {exc}"


def test_directory_swapped_for_a_link_never_escapes(ws):
    outside = ws.parent / "outside"
    (ws / "d").mkdir()
    (ws / "d" / "f.txt").write_text("inside")
    ws_s = str(ws)
    stop = threading.Event()
    swaps = [0]

    def swapper() -> None:  # d is a directory, then a link to outside, then a directory again
        d, parked = ws / "d", ws / "parked"
        while not stop.is_set():
            try:
                if not parked.exists():
                    os.rename(d, parked)
                os.symlink(outside, d)
                time.sleep(0)  # let the tools run while d is a link
                os.unlink(d)
                os.rename(parked, d)
                swaps[0] += 1
                time.sleep(0)  # and while it is the directory again
            except OSError:  # a tool created d while it was missing (inside): clear it
                if d.is_symlink():
                    d.unlink()
                else:
                    shutil.rmtree(d, ignore_errors=True)

    thread = threading.Thread(target=swapper, daemon=True)
    thread.start()
    seen = []
    deadline = time.monotonic() + 60
    i = 0
    try:  # at least 400 rounds, and until the swapper has swapped 200 times (bounded)
        while (i < 400 or swaps[0] < 200 or ("inside" not in [c for _, c in seen])) \
                and time.monotonic() < deadline:
            seen.append(_call(files.read_text_file, "d/f.txt", workspace=ws_s))
            _call(files.write_text_file, f"d/w{i}.txt", "x", workspace=ws_s)
            _call(files.create_file, f"d/c{i}.txt", "x", workspace=ws_s)
            _call(files.list_directory, "d", workspace=ws_s)
            i += 1
    finally:
        stop.set()
        thread.join(5)
    assert swaps[0] >= 200, f"the race did not run ({swaps[0]} swaps)"
    assert not any("SECRET" in str(content) for _, content in seen)
    assert any(ok and content == "inside" for ok, content in seen)
    assert sorted(os.listdir(outside)) == ["f.txt"]
    assert (outside / "f.txt").read_text() == "SECRET"


def test_hard_link_to_a_file_outside_is_refused(ws):
    os.link(ws.parent / "secret.txt", ws / "h.txt")
    for func, args in [(files.read_text_file, ("h.txt",)), (files.read_json_file, ("h.txt",)),
                       (files.write_text_file, ("h.txt", "pwned")),
                       (files.write_text_file, ("h.txt", "more", True)),
                       (files.write_json_file, ("h.txt", [1]))]:
        ok, content = _call(func, *args, workspace=str(ws))
        assert not ok and "hard links" in content, (func.__name__, content)
    assert (ws.parent / "secret.txt").read_text() == "top secret"


@pytest.mark.parametrize("func,args", [(files.read_text_file, ("p",)),
                                       (files.read_json_file, ("p",)),
                                       (files.write_text_file, ("p", "x")),
                                       (files.create_file, ("p", "x"))])
def test_fifo_is_refused_without_blocking(ws, func, args):
    os.mkfifo(ws / "p")
    result: list = []
    thread = threading.Thread(target=lambda: result.append(_call(func, *args, workspace=str(ws))),
                              daemon=True)
    thread.start()
    thread.join(5)
    if thread.is_alive():  # unblock the hung open so the test process can end, then fail
        fd = os.open(ws / "p", os.O_RDWR | os.O_NONBLOCK)
        thread.join(5)
        os.close(fd)
        pytest.fail(f"{func.__name__} blocked on a FIFO")
    ok, content = result[0]
    assert not ok and ("regular file" in content or "already exists" in content), content


def test_huge_file_is_read_in_bounded_memory(ws):
    with open(ws / "big.txt", "wb") as fh:  # sparse: 3 GB on paper, nothing on disk
        fh.truncate(3 * 1024**3)
    tracemalloc.start()
    try:
        ok, content = _call(files.read_text_file, "big.txt", workspace=str(ws))
        ok_json, json_content = _call(files.read_json_file, "big.txt", workspace=str(ws))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert ok and content.endswith(f"only the first {files.MAX_READ_CHARS} characters are shown]")
    assert f"the file has {3 * 1024**3} bytes" in content
    assert not ok_json and "too large to parse" in json_content
    assert peak < 64 * 1024 * 1024


def test_links_inside_paths_are_not_followed_for_any_tool(ws):
    os.symlink(ws.parent / "outside", ws / "up")
    for func, args in [(files.create_directory, ("up/new",)), (files.delete_file, ("up/f.txt",)),
                       (files.move_file, ("up/f.txt", "stolen.txt")),
                       (files.move_file, ("x", "up/x"))]:
        (ws / "x").write_text("x")
        ok, content = _call(func, *args, workspace=str(ws))
        assert not ok and "symbolic link" in content, (func.__name__, content)
    assert sorted(os.listdir(ws.parent / "outside")) == ["f.txt"]
