"""Multi-modal agents against the OpenAI-compatible test server's image, audio and chat
endpoints: real HTTP, real files, messages that carry URLs only."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import agentcast as ac
from agentcast.models.media import OpenAIImageModel, OpenAISpeechToText, OpenAITextToSpeech
from agentcast.models.openai_chat import OpenAIChatModel
from agentcast.observe import query
from agentcast.testing.openai_server import PNG_1PX

KEY = "sk-test"


def media_kw(server, name):
    return {"model_name": name, "base_url": server.base_url, "api_key": KEY}


def chat_model(server):
    return OpenAIChatModel(model_name="gpt-4o", base_url=server.base_url, api_key=KEY)


def in_store(run, url):
    p = Path(url)
    assert p.parent == (run.dir / "files").absolute(), url
    assert p.name.split(".")[0] == hashlib.sha256(p.read_bytes()).hexdigest()
    return p


def test_text_to_image_stores_the_image_in_the_run_and_replies_with_its_url(run, server):
    picture = PNG_1PX + b"\x00"  # distinct bytes, so the stored file is provably ours
    server.script("images", picture, PNG_1PX)
    painter = ac.TextToImageAgent("Painter", model=OpenAIImageModel(**media_kw(server, "dall-e-3")))
    msg = painter(ac.Msg("Host", "a red fox in the snow", role="user"))
    assert isinstance(msg.url, str)
    assert in_store(run, msg.url).read_bytes() == picture
    assert json.loads(server.requests[-1].body)["prompt"] == "a red fox in the snow"
    # base64 answers too; and the Msg wire form carries the path, never bytes
    b64 = ac.TextToImageAgent("B64", model=OpenAIImageModel(
        **media_kw(server, "dall-e-3"), generate_args={"response_format": "b64_json"}))
    msg2 = b64(ac.Msg("Host", "the same fox", role="user"))
    assert in_store(run, msg2.url).read_bytes() == PNG_1PX
    assert len(msg2.to_json()) < 600
    run.flush()
    calls = query.model_calls(run.id, run_dir=run.dir.parent)
    assert [c["agent"] for c in calls] == ["Painter", "B64"]
    assert all(c["model"] == "dall-e-3" and c["error"] is None for c in calls)


def test_audio_dialog_hears_thinks_and_speaks(run, server, tmp_path):
    question = tmp_path / "question.wav"
    question.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt fake audio")
    server.script("transcriptions", "What is the capital of Portugal?")
    server.add("Lisbon.")
    server.script("speech", b"ID3 spoken lisbon")
    agent = ac.AudioDialogAgent(
        "Guide", "Answer briefly.", model=chat_model(server),
        stt_model=OpenAISpeechToText(**media_kw(server, "whisper-1")),
        tts_model=OpenAITextToSpeech(**media_kw(server, "tts-1")))
    reply = agent(ac.Msg("User", None, role="user", url=str(question)))
    assert reply.content == "Lisbon."
    assert in_store(run, reply.url).read_bytes() == b"ID3 spoken lisbon"
    assert reply.url.endswith(".mp3")
    stt, chat, tts = server.requests
    assert stt.path.endswith("/audio/transcriptions")
    assert stt.files["file"][1] == question.read_bytes()
    sent = json.loads(chat.body)["messages"]
    assert sent[-1]["content"] == "What is the capital of Portugal?"  # text, not audio
    assert json.loads(tts.body)["input"] == "Lisbon."
    remembered = agent.memory.get()
    assert remembered[0].content == "What is the capital of Portugal?"
    assert remembered[0].metadata["transcribed_from"] == [str(question)]


def _image_parts(request):
    body = json.loads(request.body)
    return [p for m in body["messages"] if isinstance(m.get("content"), list)
            for p in m["content"] if p.get("type") == "image_url"]


def test_dialog_agent_sends_an_attached_image_to_a_vision_model(run, server):
    server.add("A tiny transparent square.")
    image = ac.Msg("Painter", "Here it is", url=ac.TextToImageAgent(
        "P", model=lambda prompt: PNG_1PX)(ac.Msg("u", "x", role="user")).url)
    viewer = ac.DialogAgent("Viewer", "Describe images.", model=chat_model(server))
    assert viewer(image).content == "A tiny transparent square."
    parts = _image_parts(server.requests[-1])
    assert parts == [{"type": "image_url", "image_url": {
        "url": "data:image/png;base64," + base64.b64encode(PNG_1PX).decode()}}]


def test_react_agent_sees_the_image_across_tool_steps(run, server, tmp_path):
    path = tmp_path / "chart.png"
    path.write_bytes(PNG_1PX)
    toolkit = ac.Toolkit()

    def measure(side: int) -> str:
        """Area of a square.

        Args:
            side: the side length.
        """
        return str(side * side)

    toolkit.add(measure)
    server.add({"tool_calls": [{"name": "measure", "arguments": {"side": 3}}]}, "Area 9.")
    agent = ac.ReActAgent("Analyst", "Use tools.", model=chat_model(server), toolkit=toolkit)
    answer = agent(ac.Msg("User", "What is in this chart?", role="user", url=str(path)))
    assert answer.content == "Area 9."
    assert len(server.requests) == 2
    for request in server.requests:  # the image is in every step's prompt
        assert len(_image_parts(request)) == 1
