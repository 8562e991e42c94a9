"""The generic POST-API model against a tiny real HTTP server shaped like a Flask wrapper."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from agentcast.exceptions import TransientModelError, UnresolvableModelError
from agentcast.message import Msg
from agentcast.models.registry import build_model

from .helpers import drain_raw, run


class FlaskLike:
    """POST /generate {"prompt" or "messages", ...} -> {"data": {"response": ...}}."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []
        self.headers: list[dict] = []
        self.status = 200
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                owner.bodies.append(body)
                owner.headers.append(dict(self.headers))
                messages = body.get("messages")
                prompt = body.get("prompt") or body.get("params", {}).get("inputs", "")
                last = messages[-1]["content"] if messages else prompt.splitlines()[-1]
                data = json.dumps({"data": {"response": f"You said: {last}",
                                            "usage": {"prompt_tokens": 11,
                                                      "completion_tokens": 3}}}).encode()
                self.send_response(owner.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/generate"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def flask():
    app = FlaskLike()
    yield app
    app.close()


def make(flask, **extra):
    return build_model({"config_name": "home", "model_type": "post_api_chat",
                        "api_url": flask.url, "response_path": "data.response",
                        "usage_path": "data.usage", "retry": {"initial_delay": 0.001},
                        **extra})


MSGS = [Msg("system", "Be kind.", "system"), Msg("Ann", "hello", "user")]


def test_messages_go_under_messages_key_by_default(flask):
    model = make(flask, json_args={"max_length": 64}, headers={"X-Team": "a"})
    resp = run(model(MSGS, temperature=0.1))
    assert resp.text == "You said: hello"
    assert (resp.usage.prompt_tokens, resp.usage.completion_tokens) == (11, 3)
    assert flask.bodies[0] == {"max_length": 64, "temperature": 0.1, "messages": [
        {"role": "system", "content": "Be kind."}, {"role": "user", "content": "hello"}]}
    assert flask.headers[0]["X-Team"] == "a"


def test_template_placeholders(flask):
    model = make(flask, model_name="my-llm",
                 json_args={"model": "{{model}}", "params": {"inputs": "{{prompt}}"}})
    resp = run(model(MSGS))
    body = flask.bodies[0]
    assert body["model"] == "my-llm"
    assert body["params"]["inputs"] == "system: Be kind.\nAnn: hello"
    assert "messages" not in body and resp.text.startswith("You said:")


def test_transcript_format_and_api_key(flask):
    model = make(flask, message_format="transcript", messages_key="prompt", api_key="tok")
    run(model(MSGS))
    assert flask.bodies[0] == {"prompt": "system: Be kind.\nAnn: hello"}
    assert flask.headers[0]["Authorization"] == "Bearer tok"


def test_errors(flask):
    flask.status = 503
    with pytest.raises(TransientModelError, match="503"):
        run(drain_raw(make(flask), MSGS))
    flask.status = 200
    with pytest.raises(UnresolvableModelError, match="response_path"):
        run(drain_raw(make(flask, response_path="choices.0.text"), MSGS))


def test_guessed_response_path(flask):
    resp = run(make(flask, response_path=None)(MSGS))
    assert resp.text == "You said: hello"  # found at data.response
