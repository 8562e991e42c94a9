"""TextToImageAgent: the last message's text -> an image model -> a Msg with the image's URL.

Generated images are stored in the run's file manager (content-addressed, under the run
directory): provider URLs expire within hours, and the studio serves only files inside the
run directory. The Msg carries the local path only; bytes are read when someone needs them.
"""

from __future__ import annotations

from typing import Any

from agentcast.agents.base import Agent
from agentcast.message import Msg
from agentcast.multimodal.calls import first_text, media_call, resolve_media_model
from agentcast.multimodal.files import FileManager, file_manager, local_path


async def store_media(items: Any, fm: FileManager) -> list[str]:
    """Bring what a media model returned (URLs, paths, data URLs or bytes) into ``fm``."""
    out = []
    for item in items if isinstance(items, (list, tuple)) else [items]:
        if isinstance(item, (bytes, bytearray)):
            out.append(fm.save(bytes(item)))
            continue
        url = str(item)
        path = local_path(url)
        if path is None:
            out.append(await fm.adownload(url))
        elif path.resolve().parent == fm.root.resolve():
            out.append(str(path))
        else:
            out.append(fm.save_file(path))
    return out


class TextToImageAgent(Agent):
    """Draws what it is asked to. ``model``: an image model config name, object (with
    ``generate(prompt) -> list[url]``) or a function ``prompt -> bytes | url | list``.

    ``prompt_template``: how the request becomes the image prompt ("{text}" is the text).
    """

    def __init__(self, name: str, model: Any = None, *, sys_prompt: str | None = None,
                 prompt_template: str = "{text}", generate_args: dict[str, Any] | None = None,
                 files: FileManager | None = None, **kwargs: Any) -> None:
        super().__init__(name, sys_prompt, None, **kwargs)
        self._image_ref = model
        self._image_model: Any = None
        self.prompt_template = prompt_template
        self.generate_args = dict(generate_args or {})
        self.files = files

    @property
    def image_model(self) -> Any:
        if self._image_model is None:
            self._image_model = resolve_media_model(self._image_ref, "generate")
        return self._image_model

    async def reply(self, x: Msg | list[Msg] | None = None) -> Msg:
        if self.memory is not None:
            self.memory.add(x)
        prompt = self.prompt_template.format(text=first_text(x))
        if self.sys_prompt:
            prompt = f"{self.sys_prompt}\n{prompt}"
        result = await media_call(self.name, self.image_model, "generate", prompt,
                                  summary=lambda r: ", ".join(map(str, r))
                                  if isinstance(r, (list, tuple)) else f"{type(r).__name__}",
                                  **self.generate_args)
        urls = await store_media(result, self.files or file_manager())
        msg = Msg(self.name, prompt, role="assistant",
                  url=urls[0] if len(urls) == 1 else urls)
        if self.memory is not None:
            self.memory.add(msg)
        self.speak(msg)
        return msg


__all__ = ["TextToImageAgent", "store_media"]
