"""A HuggingFace transformers model running in this process (the ``hf`` extra).

``model_name`` is a hub id or a local directory; ``client_args`` go to ``from_pretrained``.
Loaded once, on first use (or ``await model.prepare()``), in a worker thread and outside
every call's timeout: a 150 s load is not a timeout, and the log and a ``model_event`` say
it is loading. A GGUF file loads with ``client_args={"gguf_file": "name.gguf"}`` and the
``hf-gguf`` extra (transformers needs the ``gguf`` and ``accelerate`` packages; the weights are dequantised to
float32, so expect memory of about 4 bytes a parameter). Generation runs in a thread too and
streams tokens through ``TextIteratorStreamer``. The prompt is the tokenizer's chat template when it has
one, else a "name: text" transcript. Tools are not passed (no portable way for local
models); use a ReAct-style prompt instead.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from agentcast.exceptions import ConfigError, MissingExtraError, UnresolvableModelError
from agentcast.message import Msg
from agentcast.models._http import check_type
from agentcast.models.base import ChatModelBase, ModelChunk, Usage, model_event
from agentcast.models.formatters.common import flatten, multi_speaker, text_of, with_name
from agentcast.models.formatters.text import format_transcript

log = logging.getLogger("agentcast.models")


class HFLocalChatModel(ChatModelBase):
    """Local transformers causal LM."""

    model_type = "hf_local"

    def __init__(
        self,
        config_name: str = "",
        model_name: str = "",
        *,
        device: str | None = None,
        max_new_tokens: int = 256,
        client_args: Mapping[str, Any] | None = None,
        stream: bool = True,
        **kwargs: Any,
    ) -> None:
        where = f"model config {config_name or model_name!r}"
        check_type(where, "model_name", model_name, str, "a string")
        if not model_name:
            raise ConfigError(f"{where}: missing required field 'model_name' (a hub id or a "
                              "local directory)", field="model_name")
        check_type(where, "device", device, str, "a string such as 'cpu' or 'cuda'")
        check_type(where, "max_new_tokens", max_new_tokens, int, "an integer")
        check_type(where, "client_args", client_args, Mapping, "an object")
        check_type(where, "stream", stream, bool, "true or false")
        kwargs.pop("api_key", None)  # configs in the shared form may carry one
        super().__init__(config_name, model_name, **kwargs)
        self.device = device
        self.max_new_tokens = max_new_tokens
        self.client_args = dict(client_args or {})
        self.streaming = stream
        self._loaded: tuple[Any, Any] | None = None
        self.load_seconds = 0.0
        self._load_lock = threading.Lock()

    def _load(self) -> tuple[Any, Any]:
        with self._load_lock:
            if self._loaded is None:
                try:
                    import transformers
                except ImportError as exc:
                    raise MissingExtraError("hf", "transformers") from exc
                if self.client_args.get("gguf_file"):
                    import importlib.util

                    for package in ("gguf", "accelerate"):
                        if importlib.util.find_spec(package) is None:
                            raise MissingExtraError("hf-gguf", package, "loading a GGUF file "
                                                    "with transformers")
                started = time.monotonic()
                log.warning("hf_local: loading %s%s (once; this can take minutes)",
                            self.model_name, f" ({self.client_args['gguf_file']})"
                            if self.client_args.get("gguf_file") else "")
                try:
                    auto_tok: Any = transformers.AutoTokenizer
                    tok = auto_tok.from_pretrained(self.model_name, **self.client_args)
                    auto_lm: Any = transformers.AutoModelForCausalLM
                    model = auto_lm.from_pretrained(self.model_name, **self.client_args)
                except OSError as exc:
                    raise UnresolvableModelError(
                        f"hf_local model {self.model_name!r} could not be loaded: {exc}. "
                        "Check model_name (hub id or local directory).",
                        model=self.model_name) from exc
                if self.device:
                    model = model.to(self.device)
                model.eval()
                self._loaded = (tok, model)
                self.load_seconds = time.monotonic() - started
                log.warning("hf_local: %s loaded in %.1f s", self.model_name,
                            self.load_seconds)
            return self._loaded

    async def prepare(self) -> None:
        """Load the weights once, outside the call deadline (see ChatModelBase.prepare)."""
        if self._loaded is None:
            model_event(self, "loading", f"loading {self.model_name}")
            await asyncio.to_thread(self._load)
            model_event(self, "loaded", f"{self.model_name} loaded in "
                        f"{self.load_seconds:.1f} s", elapsed=self.load_seconds)

    def prompt(self, messages: Sequence[Msg], tokenizer: Any) -> str:
        msgs = flatten(list(messages))
        if getattr(tokenizer, "chat_template", None):
            show = multi_speaker(msgs)
            chat = [{"role": m.role, "content": with_name(m, text_of(m), show)} for m in msgs]
            return str(tokenizer.apply_chat_template(chat, tokenize=False,
                                                     add_generation_prompt=True))
        return format_transcript(msgs, end_with="assistant:")

    async def _stream(
        self, messages: Sequence[Msg], *, tools: list[dict[str, Any]] | None, **kwargs: Any
    ) -> AsyncIterator[ModelChunk]:
        tok, model = await asyncio.to_thread(self._load)
        import transformers

        stream = bool(kwargs.pop("stream", self.streaming))
        inputs = tok(self.prompt(messages, tok), return_tensors="pt")
        if self.device:
            inputs = inputs.to(self.device)
        n_prompt = int(inputs["input_ids"].shape[-1])
        args: dict[str, Any] = {"max_new_tokens": kwargs.pop("max_tokens", self.max_new_tokens)}
        args.update(kwargs)
        if args.get("temperature"):
            args.setdefault("do_sample", True)
        if tok.pad_token_id is None and tok.eos_token_id is not None:
            args.setdefault("pad_token_id", tok.eos_token_id)
        if not stream:
            out = await asyncio.to_thread(model.generate, **inputs, **args)
            new = out[0][n_prompt:]
            text = tok.decode(new, skip_special_tokens=True)
            yield ModelChunk(delta=text, usage=Usage(n_prompt, int(new.shape[-1])))
            return
        streamer = transformers.TextIteratorStreamer(tok, skip_prompt=True,
                                                     skip_special_tokens=True)
        box: dict[str, Any] = {}

        def run() -> None:
            try:
                box["out"] = model.generate(**inputs, **args, streamer=streamer)
            except BaseException as exc:
                box["error"] = exc
                streamer.end()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        sentinel = object()
        while True:
            piece = await asyncio.to_thread(next, streamer, sentinel)  # type: ignore[call-overload]
            if piece is sentinel:
                break
            if piece:
                yield ModelChunk(delta=str(piece))
        await asyncio.to_thread(thread.join)
        if "error" in box:
            raise box["error"]
        completion = int(box["out"][0].shape[-1]) - n_prompt
        yield ModelChunk(usage=Usage(n_prompt, completion))


__all__ = ["HFLocalChatModel"]
