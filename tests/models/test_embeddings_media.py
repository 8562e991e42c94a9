"""Embedding, image, speech-to-text and text-to-speech models over real HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentcast.exceptions import ConfigError, TransientModelError, UnresolvableModelError
from agentcast.models.embeddings import EmbeddingModel
from agentcast.models.media import ImageModel, SpeechToText, TextToSpeech
from agentcast.models.registry import build_model
from agentcast.testing.openai_server import PNG_1PX

from .helpers import KEY, run


def openai_cfg(server, model_type, name, **extra):
    return build_model({"config_name": name, "model_type": model_type, "model_name": name,
                        "api_key": KEY, "client_args": {"base_url": server.base_url}, **extra})


def test_openai_embeddings_in_batches(server):
    model = openai_cfg(server, "openai_embedding", "text-embedding-3-small", batch_size=2)
    assert isinstance(model, EmbeddingModel)
    vectors = model.embed_sync(["a", "b", "c"])
    assert len(vectors) == 3 and all(len(v) == 8 for v in vectors)
    assert vectors == model.embed_sync(["a", "b", "c"])  # deterministic server vectors
    assert [r.json["input"] for r in server.requests[:2]] == [["a", "b"], ["c"]]
    assert model.last_usage.prompt_tokens > 0
    server.script("embeddings", [[1.0, 2.0]])
    assert run(model.embed("x")) == [[1.0, 2.0]]


def test_openai_embeddings_base64(server):
    model = openai_cfg(server, "openai_embedding", "e",
                       generate_args={"encoding_format": "base64"})
    server.script("embeddings", [[0.5, -0.25, 2.0]])
    assert model.embed_sync(["x"]) == [[0.5, -0.25, 2.0]]


def test_ollama_embeddings(server):
    model = build_model({"config_name": "oe", "model_type": "ollama_embedding",
                         "model_name": "nomic-embed-text", "client_args": {"host": server.url}})
    vectors = model.embed_sync(["hello", "world"])
    assert len(vectors) == 2 and server.requests[0].path == "/api/embed"


def test_embedding_errors_are_typed_and_transient_ones_retried(server):
    once = openai_cfg(server, "openai_embedding", "e", max_retries=0)
    server.fail_next("503")
    with pytest.raises(TransientModelError):
        once.embed_sync(["x"])
    model = openai_cfg(server, "openai_embedding", "e", retry={"initial_delay": 0.001})
    server.fail_next("429").fail_next("reset")
    assert len(model.embed_sync(["x"])) == 1
    bad = openai_cfg(server, "openai_embedding", "e", api_key="wrong")
    with pytest.raises(UnresolvableModelError, match="API key"):
        bad.embed_sync(["x"])
    assert [r.fault for r in server.requests] == ["503", "429", "reset", None, "401"]


def test_media_models_retry_transient_faults(server):
    model = openai_cfg(server, "openai_tts", "tts-1", retry={"initial_delay": 0.001})
    server.fail_next("500")
    assert Path(model.synthesize_sync("hi")).read_bytes() == b"ID3hi"
    assert [r.fault for r in server.requests] == ["500", None]


def test_sentence_transformers_needs_its_extra():
    try:
        import sentence_transformers  # noqa: F401
    except ImportError:
        model = build_model({"config_name": "st", "model_type":
                             "sentence_transformers_embedding", "model_name": "all-MiniLM"})
        from agentcast.exceptions import MissingExtraError

        with pytest.raises(MissingExtraError, match=r"agentcast\[embeddings\]"):
            model.embed_sync(["x"])
    else:
        pytest.skip("sentence-transformers installed; no weights to load offline")


def test_image_generation_url_and_b64(server, tmp_path):
    model = openai_cfg(server, "openai_image", "dall-e-3")
    assert isinstance(model, ImageModel)
    server.script("images", PNG_1PX + b"1")
    (url,) = model.generate_sync("a fox")
    assert url.startswith(server.url + "/files/")
    b64 = openai_cfg(server, "openai_dall_e", "dall-e-3", save_dir=str(tmp_path),
                     generate_args={"response_format": "b64_json"})
    (path,) = run(b64.generate("a fox", n=1))
    assert Path(path).parent == tmp_path and Path(path).read_bytes() == PNG_1PX
    assert server.requests[-1].json == {"model": "dall-e-3", "prompt": "a fox",
                                        "response_format": "b64_json", "n": 1}


def test_speech_to_text_uploads_multipart(server, tmp_path):
    model = openai_cfg(server, "openai_stt", "whisper-1")
    assert isinstance(model, SpeechToText)
    audio = tmp_path / "q.wav"
    audio.write_bytes(b"RIFF....WAVE")
    server.script("transcriptions", "what time is it", "plain words")
    assert model.transcribe_sync(str(audio), language="en") == "what time is it"
    req = server.requests[0]
    assert req.files["file"] == ("q.wav", b"RIFF....WAVE")
    assert req.form == {"model": "whisper-1", "language": "en"}
    assert model.transcribe_sync(b"RIFF", response_format="text") == "plain words"


def test_text_to_speech_writes_a_file(server, tmp_path):
    model = openai_cfg(server, "openai_tts", "tts-1", generate_args={"voice": "nova"})
    assert isinstance(model, TextToSpeech)
    server.script("speech", b"ID3 audio bytes")
    target = tmp_path / "out.mp3"
    assert model.synthesize_sync("Hello", str(target)) == str(target)
    assert target.read_bytes() == b"ID3 audio bytes"
    assert server.requests[0].json == {"model": "tts-1", "input": "Hello", "voice": "nova"}


def test_media_config_errors_name_the_field():
    with pytest.raises(ConfigError) as info:
        build_model({"config_name": "x", "model_type": "openai_tts", "model_name": "tts-1",
                     "api_key": "k", "save_dir": 3})
    assert info.value.field == "save_dir"


@pytest.mark.parametrize("kind", ["openai_embedding", "openai_tts"])
def test_non_chat_models_keep_the_deadline(server, kind):
    """Embeddings and media share the chat models' retry policy, deadline included: a
    server that stalls every request cannot hold the call past it."""
    import time

    from agentcast.exceptions import RetriesExhaustedError

    model = openai_cfg(server, kind, "m", retry={"initial_delay": 0.01, "max_retries": 5,
                                                 "deadline": 1.0, "timeout": 30})
    server.fail_next("timeout", n=6, delay=1.8)
    started = time.monotonic()
    with pytest.raises(RetriesExhaustedError, match="deadline"):
        model.embed_sync(["x"]) if kind == "openai_embedding" else model.synthesize_sync("x")
    assert time.monotonic() - started < 1.7
