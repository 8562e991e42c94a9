"""The file manager: content-addressed media under the run directory, read lazily."""

from __future__ import annotations

import hashlib
from pathlib import Path

from agentcast.multimodal.files import FileManager, file_manager, load_bytes, sniff_ext
from agentcast.testing.openai_server import PNG_1PX


def test_same_bytes_same_name_and_nothing_rewritten(tmp_path):
    fm = FileManager(tmp_path / "files")
    a = fm.save(PNG_1PX)
    mtime = Path(a).stat().st_mtime_ns
    b = fm.save(PNG_1PX)
    assert a == b
    assert Path(a).name == hashlib.sha256(PNG_1PX).hexdigest() + ".png"
    assert Path(a).stat().st_mtime_ns == mtime
    assert fm.save(b"other bytes", mime="text/plain") != a
    assert sorted(p.suffix for p in (tmp_path / "files").iterdir()) == [".png", ".txt"]


def test_extension_from_name_mime_or_content():
    assert sniff_ext(b"ID3\x03rest") == ".mp3"
    assert sniff_ext(b"RIFF\x00\x00\x00\x00WAVEfmt ") == ".wav"
    assert sniff_ext(b"\xff\xd8\xff\xe0") == ".jpg"
    assert sniff_ext(b"random") == ".bin"


def test_the_current_runs_manager_lives_in_the_run_directory(run):
    path = file_manager().save(PNG_1PX)
    assert Path(path).parent == (run.dir / "files").absolute()
    assert load_bytes(path) == PNG_1PX
    assert load_bytes("file://" + path) == PNG_1PX


def test_remote_media_are_downloaded_once_into_the_store(tmp_path, server):
    url = server._serve_file("pic.png", "image/png", PNG_1PX)
    fm = FileManager(tmp_path / "files")
    local = fm.download(url)
    assert Path(local).read_bytes() == PNG_1PX and local.endswith(".png")
    assert fm.read(url) == PNG_1PX  # a remote URL read lazily lands in the store too
    assert len(list((tmp_path / "files").iterdir())) == 1


def test_data_urls_are_stored_as_files(tmp_path):
    import base64

    fm = FileManager(tmp_path)
    path = fm.download("data:image/png;base64," + base64.b64encode(PNG_1PX).decode())
    assert Path(path).read_bytes() == PNG_1PX and path.endswith(".png")
