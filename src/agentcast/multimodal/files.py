"""A content-addressed media store under the run directory.

Messages carry URLs, never bytes: a Msg stays small, JSON-serialisable and cheap to copy to
every receiver, while the bytes are written once and read only when a model formatter or
the studio needs them. Files are named by the sha256 of their content, so saving the same
image twice costs nothing and a name can never point at different bytes.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import mimetypes
import os
import tempfile
import threading
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

# Extensions mimetypes gets wrong or does not know on minimal systems.
_EXT_OF_MIME = {
    "image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp",
    "image/svg+xml": ".svg", "audio/mpeg": ".mp3", "audio/mp3": ".mp3", "audio/wav": ".wav",
    "audio/x-wav": ".wav", "audio/ogg": ".ogg", "audio/opus": ".opus", "audio/aac": ".aac",
    "audio/flac": ".flac", "audio/pcm": ".pcm", "audio/webm": ".weba", "video/mp4": ".mp4",
    "video/webm": ".webm", "application/pdf": ".pdf", "text/plain": ".txt",
}
_REMOTE = ("http://", "https://")


def sniff_ext(data: bytes) -> str:
    """A file extension from the first bytes (models often return bytes without a type)."""
    head = data[:16]
    if head.startswith(b"\x89PNG"):
        return ".png"
    if head.startswith(b"\xff\xd8\xff"):
        return ".jpg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return ".gif"
    if head.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return ".webp"
    if head.startswith(b"RIFF") and data[8:12] == b"WAVE":
        return ".wav"
    if head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return ".mp3"
    if head.startswith(b"OggS"):
        return ".ogg"
    if head.startswith(b"fLaC"):
        return ".flac"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return ".webm"
    if data[4:8] == b"ftyp":
        return ".mp4"
    if head.startswith(b"%PDF"):
        return ".pdf"
    return ".bin"


def ext_for(mime: str | None = None, data: bytes = b"", name: str | None = None) -> str:
    """The extension to store a file under: from its name, its MIME type, or its bytes."""
    if name:
        ext = os.path.splitext(urllib.parse.urlsplit(name).path)[1].lower()
        if ext and len(ext) <= 6 and ext[1:].isalnum():
            return ext
    if mime:
        base = mime.split(";", 1)[0].strip().lower()
        ext = _EXT_OF_MIME.get(base) or mimetypes.guess_extension(base) or ""
        if ext:
            return ext
    return sniff_ext(data)


class FileManager:
    """Stores bytes as ``<root>/<sha256><ext>`` and hands back the absolute path as the URL.

    The path is what ``Msg.url`` carries: the model formatters read local paths lazily when
    they build a request, and the studio serves them because they lie inside the run
    directory.
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).absolute()
        self._lock = threading.Lock()

    # --- writing ------------------------------------------------------------------------
    def save(self, data: bytes, *, mime: str | None = None, ext: str | None = None,
             name: str | None = None) -> str:
        """Store ``data`` (once) and return its local path."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"FileManager.save takes bytes, got {type(data).__name__}")
        data = bytes(data)
        if ext is None:
            ext = ext_for(mime, data, name)
        elif ext and not ext.startswith("."):
            ext = "." + ext
        digest = hashlib.sha256(data).hexdigest()
        path = self.root / f"{digest}{ext.lower()}"
        if not path.exists():
            with self._lock:
                self.root.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".tmp-")
                try:
                    with os.fdopen(fd, "wb") as fh:
                        fh.write(data)
                    os.chmod(tmp, 0o644)  # mkstemp makes it private; media are not
                    os.replace(tmp, path)  # atomic: readers never see half a file
                except BaseException:
                    Path(tmp).unlink(missing_ok=True)
                    raise
        return str(path)

    def save_b64(self, b64: str, *, mime: str | None = None, ext: str | None = None) -> str:
        return self.save(base64.b64decode(b64), mime=mime, ext=ext)

    def save_file(self, path: str | Path) -> str:
        """Copy a local file into the store (e.g. a user's upload outside the run)."""
        p = Path(path)
        return self.save(p.read_bytes(), name=p.name)

    def download(self, url: str, *, timeout: float = 60.0) -> str:
        """Fetch a remote URL (or decode a data: URL) into the store; blocking."""
        if url.startswith("data:"):
            header, _, payload = url.partition(",")
            mime = header[5:].split(";", 1)[0] or None
            if ";base64" in header:
                return self.save(base64.b64decode(payload), mime=mime)
            return self.save(urllib.parse.unquote_to_bytes(payload), mime=mime)
        if not url.startswith(_REMOTE):
            raise ValueError(f"not a remote URL: {url!r}")
        request = urllib.request.Request(url, headers={"User-Agent": "agentcast"})
        with urllib.request.urlopen(request, timeout=timeout) as resp:  # http(s) only, checked above
            data = resp.read()
            mime = resp.headers.get_content_type() if resp.headers else None
        return self.save(data, mime=mime, name=url)

    async def adownload(self, url: str, *, timeout: float = 60.0) -> str:
        """``download`` off the event loop, for ``async def`` replies."""
        return await asyncio.to_thread(self.download, url, timeout=timeout)

    # --- reading (lazy) -----------------------------------------------------------------
    def read(self, url: str) -> bytes:
        """The bytes behind a URL: local path, file://, data:, or remote (stored on first use)."""
        return load_bytes(url, self)


def local_path(url: str) -> Path | None:
    """The local file a URL names, or None for remote and data URLs."""
    if url.startswith("file://"):
        return Path(urllib.parse.unquote(urllib.parse.urlsplit(url).path))
    if url.startswith(("data:", *_REMOTE)) or "://" in url:
        return None
    return Path(url)


def load_bytes(url: str, manager: FileManager | None = None) -> bytes:
    """Read an attachment only when it is needed; remote ones are kept in ``manager``."""
    path = local_path(url)
    if path is not None:
        return path.read_bytes()
    fm = manager or file_manager()
    return Path(fm.download(url)).read_bytes()


_managers: dict[str, FileManager] = {}


def file_manager(run: Any = None) -> FileManager:
    """The file manager of ``run`` (default: the current run): ``<run dir>/files``.

    Without a recorded run, media go to a per-user temporary directory, so agents that make
    media still work in a script started with ``run_dir=None``.
    """
    if run is None:
        from agentcast.observe.run import current_run

        run = current_run()
    if run is not None:
        root = Path(run.dir) / "files"
    else:
        root = Path(tempfile.gettempdir()) / f"agentcast-media-{os.getuid() if hasattr(os, 'getuid') else 0}"
    key = str(root)
    fm = _managers.get(key)
    if fm is None:
        fm = _managers[key] = FileManager(root)
    return fm


__all__ = ["FileManager", "ext_for", "file_manager", "load_bytes", "local_path", "sniff_ext"]
