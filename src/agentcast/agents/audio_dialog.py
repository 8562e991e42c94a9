"""AudioDialogAgent: speech-to-text -> a dialog model -> text-to-speech.

Incoming audio attachments are transcribed once, when the agent replies, and remembered as
text (the chat model may not take audio; the transcript is what the conversation is
about). The spoken reply is stored in the run's file manager and carried as a URL.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

from agentcast.agents.dialog import DialogAgent
from agentcast.agents.text_to_image import store_media
from agentcast.message import Msg
from agentcast.models.formatters.common import media_of
from agentcast.multimodal.calls import media_call, resolve_media_model
from agentcast.multimodal.files import FileManager, file_manager, local_path


class AudioDialogAgent(DialogAgent):
    """A DialogAgent that hears and speaks.

    ``stt_model``: speech-to-text (``transcribe(path_or_bytes) -> str``), config name,
    object or function; ``tts_model``: text-to-speech (``synthesize(text, path) -> path``).
    Either may be None (no transcription / a text-only reply). ``tts_args`` go to every
    synthesis call (voice, response_format, ...).
    """

    def __init__(self, name: str, sys_prompt: str | None = None, model: Any = None, *,
                 stt_model: Any = None, tts_model: Any = None,
                 tts_args: dict[str, Any] | None = None, files: FileManager | None = None,
                 **kwargs: Any) -> None:
        super().__init__(name, sys_prompt, model, **kwargs)
        self._stt_ref, self._tts_ref = stt_model, tts_model
        self._stt: Any = None
        self._tts: Any = None
        self.tts_args = dict(tts_args or {})
        self.files = files

    @property
    def stt_model(self) -> Any:
        if self._stt is None and self._stt_ref is not None:
            self._stt = resolve_media_model(self._stt_ref, "transcribe")
        return self._stt

    @property
    def tts_model(self) -> Any:
        if self._tts is None and self._tts_ref is not None:
            self._tts = resolve_media_model(self._tts_ref, "synthesize")
        return self._tts

    def _fm(self) -> FileManager:
        return self.files or file_manager()

    async def hear(self, msg: Msg) -> Msg:
        """``msg`` with its audio attachments transcribed into the text (others kept)."""
        audio = [m for m in media_of(msg) if m.kind == "audio"]
        if not audio or self.stt_model is None:
            return msg
        texts = []
        for media in audio:
            path = local_path(media.url)
            source = str(path) if path is not None else (await store_media(media.url,
                                                                           self._fm()))[0]
            texts.append(str(await media_call(self.name, self.stt_model, "transcribe",
                                              source)))
        spoken = " ".join(t.strip() for t in texts if t.strip())
        said = msg.content if isinstance(msg.content, str) else ""
        content = f"{said}\n{spoken}".strip() if said else spoken
        others = [m.url for m in media_of(msg) if m.kind != "audio"]
        metadata = {**msg.metadata, "transcribed_from": [m.url for m in audio]}
        return Msg(msg.name, content, msg.role, url=others or None, metadata=metadata,
                   id=msg.id, timestamp=msg.timestamp)

    async def speak_aloud(self, text: str) -> str | None:
        """Synthesise ``text``; returns the stored audio's local path."""
        if self.tts_model is None or not text:
            return None
        fmt = str(self.tts_args.get("response_format") or "mp3")
        fd, tmp = tempfile.mkstemp(suffix="." + fmt, prefix="agentcast-tts-")
        os.close(fd)
        try:
            out = await media_call(self.name, self.tts_model, "synthesize", text, tmp,
                                   **self.tts_args)
            produced = out if isinstance(out, (bytes, bytearray)) else str(out or tmp)
            return (await store_media(produced, self._fm()))[0]
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    async def reply(self, x: Msg | list[Msg] | None = None) -> Msg:
        heard: Msg | list[Msg] | None
        if isinstance(x, list):
            heard = [await self.hear(m) for m in x if m is not None]
        else:
            heard = await self.hear(x) if x is not None else None
        msg = await super().reply(heard)
        audio = await self.speak_aloud(msg.content if isinstance(msg.content, str) else "")
        if audio is not None:
            msg.url = audio
        return msg


__all__ = ["AudioDialogAgent"]
