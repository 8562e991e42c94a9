"""Formatter output pinned per provider: system prompt, multi-agent names, an image message
(local file and remote URL), a tool call paired with its result; plus trimming."""

from __future__ import annotations

import base64

import pytest

from agentcast.message import Msg
from agentcast.models.formatters import (
    format_anthropic,
    format_dashscope,
    format_gemini,
    format_ollama,
    format_openai,
    format_transcript,
    make_tool_call_msg,
    make_tool_result_msg,
    trim_history,
)
from agentcast.models.formatters.common import media_of, paired
from agentcast.testing.openai_server import PNG_1PX

B64 = base64.b64encode(PNG_1PX).decode()
CAT = "https://example.com/cat.jpg"


@pytest.fixture
def history(tmp_path):
    dot = tmp_path / "dot.png"
    dot.write_bytes(PNG_1PX)
    return [
        Msg("system", "You are Bob, a werewolf player.", "system"),
        Msg("Moderator", "Night falls. Who do you suspect?", "user"),
        Msg("Alice", "I suspect Carol.", "assistant"),
        Msg("Carol", "Look at this.", "assistant", url=[str(dot), CAT]),
        make_tool_call_msg("Bob", [{"id": "call_1", "name": "count_votes",
                                    "arguments": {"round": 1}}], "Let me count."),
        make_tool_result_msg("call_1", "count_votes", "3 votes"),
    ]


CALL = {"id": "call_1", "type": "function",
        "function": {"name": "count_votes", "arguments": '{"round": 1}'}}


def test_openai(history):
    assert format_openai(history) == [
        {"role": "system", "content": "You are Bob, a werewolf player."},
        {"role": "user", "content": "Night falls. Who do you suspect?", "name": "Moderator"},
        {"role": "assistant", "content": "I suspect Carol.", "name": "Alice"},
        {"role": "user", "name": "Carol", "content": [
            {"type": "text", "text": "Look at this."},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{B64}"}},
            {"type": "image_url", "image_url": {"url": CAT}}]},
        {"role": "assistant", "content": "Let me count.", "name": "Bob", "tool_calls": [CALL]},
        {"role": "tool", "tool_call_id": "call_1", "content": "3 votes"},
    ]


def test_openai_without_name_field_puts_names_in_the_text(history):
    out = format_openai(history, name_field=False)
    assert [m.get("name") for m in out] == [None] * 6
    assert out[1]["content"] == "Moderator: Night falls. Who do you suspect?"
    assert out[2]["content"] == "Alice: I suspect Carol."
    assert out[3]["content"][0] == {"type": "text", "text": "Carol: Look at this."}


def test_openai_sanitises_names():
    out = format_openai([Msg("Dr. Who?", "hi", "user")])
    assert out == [{"role": "user", "content": "hi", "name": "Dr__Who_"}]


def test_anthropic(history):
    system, messages = format_anthropic(history)
    assert system == "You are Bob, a werewolf player."
    assert messages == [
        {"role": "user", "content": [
            {"type": "text", "text": "Moderator: Night falls. Who do you suspect?"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "Alice: I suspect Carol."}]},
        {"role": "user", "content": [
            {"type": "text", "text": "Carol: Look at this."},
            {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                         "data": B64}},
            {"type": "image", "source": {"type": "url", "url": CAT}}]},
        {"role": "assistant", "content": [
            {"type": "text", "text": "Bob: Let me count."},
            {"type": "tool_use", "id": "call_1", "name": "count_votes", "input": {"round": 1}}]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "call_1", "content": "3 votes"}]},
    ]


def test_gemini(history):
    assert format_gemini(history) == {
        "systemInstruction": {"parts": [{"text": "You are Bob, a werewolf player."}]},
        "contents": [
            {"role": "user", "parts": [{"text": "Moderator: Night falls. Who do you suspect?"}]},
            {"role": "model", "parts": [{"text": "Alice: I suspect Carol."}]},
            {"role": "user", "parts": [
                {"text": "Carol: Look at this."},
                {"inlineData": {"mimeType": "image/png", "data": B64}},
                {"fileData": {"mimeType": "image/jpeg", "fileUri": CAT}}]},
            {"role": "model", "parts": [
                {"text": "Bob: Let me count."},
                {"functionCall": {"id": "call_1", "name": "count_votes", "args": {"round": 1}}}]},
            {"role": "user", "parts": [
                {"functionResponse": {"id": "call_1", "name": "count_votes",
                                      "response": {"result": "3 votes"}}}]},
        ],
    }


def test_dashscope(history):
    messages, multimodal = format_dashscope(history)
    assert multimodal is True
    assert messages == [
        {"role": "system", "content": [{"text": "You are Bob, a werewolf player."}]},
        {"role": "user", "content": [{"text": "Moderator: Night falls. Who do you suspect?"}]},
        {"role": "assistant", "content": [{"text": "Alice: I suspect Carol."}]},
        {"role": "user", "content": [{"text": "Carol: Look at this."},
                                     {"image": f"data:image/png;base64,{B64}"},
                                     {"image": CAT}]},
        {"role": "assistant", "content": [{"text": "Bob: Let me count."}], "tool_calls": [CALL]},
        {"role": "tool", "content": [{"text": "3 votes"}], "tool_call_id": "call_1",
         "name": "count_votes"},
    ]


def test_dashscope_text_only_uses_plain_strings():
    messages, multimodal = format_dashscope([Msg("user", "hi", "user")])
    assert (messages, multimodal) == ([{"role": "user", "content": "hi"}], False)


def test_ollama(history):
    assert format_ollama(history) == [
        {"role": "system", "content": "You are Bob, a werewolf player."},
        {"role": "user", "content": "Moderator: Night falls. Who do you suspect?"},
        {"role": "assistant", "content": "Alice: I suspect Carol."},
        {"role": "user", "content": f"Carol: Look at this.\n[image: {CAT}]", "images": [B64]},
        {"role": "assistant", "content": "Bob: Let me count.",
         "tool_calls": [{"function": {"name": "count_votes", "arguments": {"round": 1}}}]},
        {"role": "tool", "content": "3 votes", "tool_name": "count_votes"},
    ]


def test_transcript(history):
    text = format_transcript(history, end_with="Bob:")
    lines = text.splitlines()
    assert lines[0] == "system: You are Bob, a werewolf player."
    assert lines[2] == "Alice: I suspect Carol."
    assert lines[3].startswith("Carol: Look at this. [image: ") and lines[3].endswith(
        f"[image: {CAT}]")
    assert lines[4] == 'Bob: Let me count. [call count_votes({"round": 1}) id=call_1]'
    assert lines[5] == "count_votes: [result of count_votes (call_1)] 3 votes"
    assert lines[-1] == "Bob:"


def test_one_to_one_chat_shows_no_names():
    msgs = [Msg("user", "hi", "user"), Msg("Friday", "hello", "assistant"),
            Msg("user", "bye", "user")]
    _, out = format_anthropic(msgs)
    assert [b["text"] for m in out for b in m["content"]] == ["hi", "hello", "bye"]


def test_consecutive_same_role_turns_merge_for_alternating_apis():
    msgs = [Msg("Ann", "one", "user"), Msg("Ben", "two", "user")]
    _, out = format_anthropic(msgs)
    assert out == [{"role": "user", "content": [{"type": "text", "text": "Ann: one"},
                                                {"type": "text", "text": "Ben: two"}]}]
    assert format_gemini(msgs)["contents"] == [
        {"role": "user", "parts": [{"text": "Ann: one"}, {"text": "Ben: two"}]}]


def test_local_audio_and_pdf_become_inline_parts(tmp_path):
    wav = tmp_path / "q.wav"
    wav.write_bytes(b"RIFF0000WAVE")
    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    msg = Msg("user", "listen", "user", url=[str(wav), str(pdf), "https://x.org/a.mp3"])
    parts = format_openai([msg])[0]["content"]
    assert parts[1] == {"type": "input_audio", "input_audio": {
        "data": base64.b64encode(b"RIFF0000WAVE").decode(), "format": "wav"}}
    assert parts[2]["type"] == "file" and parts[2]["file"]["filename"] == "doc.pdf"
    assert parts[2]["file"]["file_data"].startswith("data:application/pdf;base64,")
    assert parts[3] == {"type": "text", "text": "[audio: https://x.org/a.mp3]"}
    gem = format_gemini([msg])["contents"][0]["parts"]
    assert gem[1]["inlineData"]["mimeType"] == "audio/wav"
    assert gem[3] == {"fileData": {"mimeType": "audio/mpeg", "fileUri": "https://x.org/a.mp3"}}


def test_data_urls_are_kept():
    url = f"data:image/png;base64,{B64}"
    (media,) = media_of(Msg("u", "x", "user", url=url))
    assert (media.kind, media.mime, media.local) == ("image", "image/png", True)
    assert format_openai([Msg("u", "x", "user", url=url)])[0]["content"][1]["image_url"] == {
        "url": url}


def test_error_results_are_flagged():
    msgs = [make_tool_call_msg("bot", [{"id": "c1", "name": "f", "arguments": {}}]),
            make_tool_result_msg("c1", "f", "division by zero", is_error=True)]
    _, out = format_anthropic(msgs)
    assert out[1]["content"][0] == {"type": "tool_result", "tool_use_id": "c1",
                                    "content": "division by zero", "is_error": True}
    assert format_openai(msgs)[1]["content"] == "Error: division by zero"
    assert format_gemini(msgs)["contents"][1]["parts"][0]["functionResponse"]["response"] == {
        "error": "division by zero"}


# --- pairing and trimming --------------------------------------------------------------
def conversation():
    return [
        Msg("system", "sys", "system"),
        Msg("user", "q1", "user"),
        make_tool_call_msg("bot", [{"id": "a", "name": "f", "arguments": {}},
                                   {"id": "b", "name": "g", "arguments": {}}]),
        make_tool_result_msg("a", "f", "ra"),
        make_tool_result_msg("b", "g", "rb"),
        Msg("bot", "answer 1", "assistant"),
        Msg("user", "q2", "user"),
    ]


def test_orphans_degrade_instead_of_breaking_the_request():
    msgs = conversation()
    orphan_result = msgs[3:]  # the call was cut away: its results are plain messages
    out = format_openai(orphan_result)
    assert [m["role"] for m in out] == ["user", "user", "assistant", "user"]
    pending = msgs[:3]  # a call without results yet: the call is not sent
    out = format_openai(pending)
    assert "tool_calls" not in out[-1] and out[-1]["content"] == ""
    items = paired(msgs)
    assert [len(i.calls) for i in items][2] == 2


@pytest.mark.parametrize("limit", range(1, 8))
def test_trim_never_splits_a_call_from_its_results(limit):
    msgs = conversation()
    kept = trim_history(msgs, max_messages=limit)
    assert kept[0].content == "sys" and len(kept) <= max(limit, 1)
    ids = [m.id for m in kept]
    call_in = msgs[2].id in ids
    assert all((m.id in ids) == call_in for m in msgs[3:5])  # together or not at all
    assert format_openai(kept)  # and the result is always a valid request


def test_trim_by_tokens_keeps_the_newest():
    msgs = [Msg("u", "x" * 400, "user") for _ in range(10)]
    kept = trim_history(msgs, max_tokens=350)
    assert kept == msgs[-3:]
    assert trim_history(msgs) == msgs


def test_other_agents_last_words_are_not_a_prefill():
    """Multi-agent history ending with another agent's (assistant) Msg: Anthropic and Gemini
    would continue it as their own, so it goes as a user turn (names are in the text)."""
    msgs = [Msg("Alice", "I vote Carol.", "assistant"), Msg("Bob", "Me too.", "assistant"),
            Msg("Carol", "Why me?", "assistant")]
    _, out = format_anthropic(msgs)
    assert out == [{"role": "user", "content": [
        {"type": "text", "text": "Alice: I vote Carol."}, {"type": "text", "text": "Bob: Me too."},
        {"type": "text", "text": "Carol: Why me?"}]}]
    assert [c["role"] for c in format_gemini(msgs)["contents"]] == ["user"]
    one_to_one = [Msg("user", "Say hi", "user"), Msg("bot", "Hi", "assistant")]
    assert format_anthropic(one_to_one)[1][-1]["role"] == "assistant"  # a real prefill


def test_names_the_name_field_cannot_hold_stay_in_the_text():
    out = format_openai([Msg("小明", "你好", "user"), Msg("Li Lei", "hello", "user")])
    assert out == [{"role": "user", "content": "小明: 你好"},
                   {"role": "user", "content": "hello", "name": "Li_Lei"}]


def test_name_field_defaults_to_openai_only():
    from agentcast.models.openai_chat import OpenAIChatModel

    assert OpenAIChatModel(model_name="gpt-4o", api_key="k").name_field is True
    local = OpenAIChatModel(model_name="qwen", base_url="http://127.0.0.1:8000/v1")
    assert local.name_field is False
    msgs = [Msg("Ann", "a", "user"), Msg("Ben", "b", "user")]
    assert [m["content"] for m in local.format(msgs)] == ["Ann: a", "Ben: b"]


def test_results_are_moved_next_to_their_call():
    call = make_tool_call_msg("bot", [{"id": "c1", "name": "f", "arguments": {}}])
    aside = Msg("Host", "(meanwhile) hello all", "user")
    result = make_tool_result_msg("c1", "f", "done")
    out = format_openai([Msg("user", "go", "user"), call, aside, result])
    assert [m["role"] for m in out] == ["user", "assistant", "tool", "user"]
    assert out[3]["content"] == "(meanwhile) hello all"
