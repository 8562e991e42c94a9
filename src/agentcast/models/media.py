"""Image generation, speech-to-text and text-to-speech (OpenAI's images and audio APIs).

Not chat models, so each has a tiny protocol of its own, async with a ``*_sync`` twin.
Results are what a Msg carries in ``url``: image URLs (or local paths when the API returns
base64), transcribed text, and the path of the synthesised audio file.
"""

from __future__ import annotations

import base64
import os
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from agentcast.exceptions import TransientModelError
from agentcast.models._http import check_type, run_sync
from agentcast.models._provider import HTTPConfig, retry_policy, with_retries


@runtime_checkable
class ImageModel(Protocol):
    config_name: str
    model_name: str

    async def generate(self, prompt: str, **kwargs: Any) -> list[str]: ...


@runtime_checkable
class SpeechToText(Protocol):
    config_name: str
    model_name: str

    async def transcribe(self, audio: str | bytes, **kwargs: Any) -> str: ...


@runtime_checkable
class TextToSpeech(Protocol):
    config_name: str
    model_name: str

    async def synthesize(self, text: str, path: str | None = None, **kwargs: Any) -> str: ...


class _OpenAIMedia(HTTPConfig):
    provider = "openai"
    extra = "openai"
    api_key_env: tuple[str, ...] = ("OPENAI_API_KEY",)
    base_url_env: tuple[str, ...] = ("OPENAI_BASE_URL",)
    default_base_url = "https://api.openai.com/v1"
    model_type = "openai_media"

    def __init__(self, config_name: str = "", model_name: str = "", *,
                 api_key: str | None = None, base_url: str | None = None,
                 client_args: Mapping[str, Any] | None = None, timeout: float | None = None,
                 headers: Mapping[str, str] | None = None,
                 generate_args: Mapping[str, Any] | None = None,
                 save_dir: str | None = None, retry: Any = None,
                 max_retries: int | None = None) -> None:
        self._configure(config_name, model_name, api_key=api_key, base_url=base_url,
                        client_args=client_args, timeout=timeout, headers=headers,
                        generate_args=generate_args)
        check_type(self._where, "save_dir", save_dir, str, "a directory path")
        self.model_name = model_name
        self.config_name = config_name or model_name
        self.generate_args = dict(generate_args or {})
        self.save_dir = save_dir
        self.retry_policy = retry_policy(retry, max_retries, timeout)

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}

    def _out_path(self, suffix: str) -> str:
        folder = Path(self.save_dir or os.path.join(tempfile.gettempdir(), "agentcast-media"))
        folder.mkdir(parents=True, exist_ok=True)
        return str(folder / f"{self.model_type}-{time.time_ns()}{suffix}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.config_name!r})"


class OpenAIImageModel(_OpenAIMedia):
    """``POST {base_url}/images/generations``: URLs, or saved files for ``b64_json``."""

    model_type = "openai_image"

    async def generate(self, prompt: str, **kwargs: Any) -> list[str]:
        url = f"{self.base_url}/images/generations"
        body = {"model": self.model_name, "prompt": prompt, **self.generate_args, **kwargs}
        data = await with_retries(self.retry_policy, lambda: self.transport.post_json(
            url, body, self._headers()))
        out = []
        for item in (data or {}).get("data") or []:
            if item.get("url"):
                out.append(str(item["url"]))
            elif item.get("b64_json"):
                path = self._out_path(".png")
                Path(path).write_bytes(base64.b64decode(item["b64_json"]))
                out.append(path)
        if not out:
            raise TransientModelError(f"image model {self.model_name!r}: no image in the "
                                      f"response from {url}", model=self.model_name)
        return out

    def generate_sync(self, prompt: str, **kwargs: Any) -> list[str]:
        return run_sync(self.generate(prompt, **kwargs))


class OpenAISpeechToText(_OpenAIMedia):
    """``POST {base_url}/audio/transcriptions`` (multipart upload of the audio)."""

    model_type = "openai_stt"

    async def transcribe(self, audio: str | bytes, **kwargs: Any) -> str:
        url = f"{self.base_url}/audio/transcriptions"
        if isinstance(audio, (bytes, bytearray)):
            name, content = "audio.wav", bytes(audio)
        else:
            name, content = os.path.basename(audio), Path(audio).read_bytes()
        fields = {"model": self.model_name, **self.generate_args, **kwargs}
        response = await with_retries(self.retry_policy, lambda: self.transport.request(
            "POST", url, headers=self._headers(), files={"file": (name, content)},
            data={k: str(v) for k, v in fields.items()}))
        if "json" in response.headers.get("content-type", ""):
            return str(self.transport.parse(response.text, url).get("text", ""))
        return str(response.text)

    def transcribe_sync(self, audio: str | bytes, **kwargs: Any) -> str:
        return run_sync(self.transcribe(audio, **kwargs))


class OpenAITextToSpeech(_OpenAIMedia):
    """``POST {base_url}/audio/speech``; the audio is written to ``path`` (or a temp file)."""

    model_type = "openai_tts"

    async def synthesize(self, text: str, path: str | None = None, **kwargs: Any) -> str:
        url = f"{self.base_url}/audio/speech"
        body = {"model": self.model_name, "input": text, "voice": "alloy",
                **self.generate_args, **kwargs}
        response = await with_retries(self.retry_policy, lambda: self.transport.request(
            "POST", url, json_body=body, headers=self._headers()))
        target = path or self._out_path("." + str(body.get("response_format") or "mp3"))
        Path(target).write_bytes(response.content)
        return target

    def synthesize_sync(self, text: str, path: str | None = None, **kwargs: Any) -> str:
        return run_sync(self.synthesize(text, path, **kwargs))


__all__ = ["ImageModel", "OpenAIImageModel", "OpenAISpeechToText", "OpenAITextToSpeech",
           "SpeechToText", "TextToSpeech"]
