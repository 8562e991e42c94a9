"""Web services against a local server that imitates each API's response shape (no internet)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

pytest.importorskip("httpx")

from agentcast.exceptions import ConfigError  # noqa: E402
from agentcast.models.base import ToolCall  # noqa: E402
from agentcast.testing.embedding import HashEmbedder  # noqa: E402
from agentcast.testing.scripted import ScriptedModel  # noqa: E402
from agentcast.tools import Toolkit  # noqa: E402
from agentcast.tools.services.knowledge import arxiv_search, wikipedia_page, wikipedia_search  # noqa: E402
from agentcast.tools.services.retrieval import retrieve_from_list  # noqa: E402
from agentcast.tools.services.text import summarize  # noqa: E402
from agentcast.tools.services.web import download_file, fetch_webpage, html_to_text  # noqa: E402
from agentcast.tools.services.web_search import (  # noqa: E402
    bing_search,
    google_search,
    searxng_search,
    tavily_search,
)

PAGE = """<!doctype html><html><head><title>Test Page</title>
<style>body { color: red }</style><script>var secret = 1;</script></head>
<body><h1>Hello</h1><p>First   paragraph with <b>bold</b> &amp; entities.</p>
<ul><li>one</li><li>two</li></ul><a href="/next">next</a></body></html>"""

ATOM = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <entry>
    <id>http://arxiv.org/abs/2402.14034v1</id>
    <published>2024-02-21T00:00:00Z</published>
    <title>AgentScope: A Flexible yet Robust
      Multi-Agent Platform</title>
    <summary>  We present AgentScope.  </summary>
    <author><name>Dawei Gao</name></author>
    <author><name>Zitao Li</name></author>
    <link title="pdf" href="http://arxiv.org/pdf/2402.14034v1" rel="related"/>
  </entry>
</feed>"""


class Handler(BaseHTTPRequestHandler):
    requests: list = []

    def log_message(self, *a):
        pass

    def _send(self, body, ctype="application/json", status=200):
        data = body if isinstance(body, bytes) else (
            body.encode() if isinstance(body, str) else json.dumps(body).encode())
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlparse(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        Handler.requests.append(("GET", url.path, q, dict(self.headers)))
        if url.path == "/v7.0/search":
            if self.headers.get("Ocp-Apim-Subscription-Key") != "bing-key":
                return self._send({"error": "bad key"}, status=401)
            return self._send({"webPages": {"value": [
                {"name": f"Bing {i}", "url": f"https://b/{i}", "snippet": f"about {q['q']}"}
                for i in range(int(q["count"]))]}})
        if url.path == "/customsearch/v1":
            return self._send({"items": [{"title": "G", "link": "https://g", "snippet": q["cx"]}]})
        if url.path == "/search":
            return self._send({"results": [{"title": "S", "url": "https://s", "content": q["q"]},
                                           {"title": "S2", "url": "https://s2", "content": ""}]})
        if url.path == "/api/query":
            return self._send(ATOM, "application/atom+xml")
        if url.path == "/w/api.php":
            if q.get("list") == "search":
                return self._send({"query": {"search": [
                    {"title": "Alan Turing", "snippet": "<span class=\"searchmatch\">Turing</span> was"}]}})
            if q.get("titles") == "Alan Turing":
                return self._send({"query": {"pages": {"1": {"title": "Alan Turing",
                                                              "extract": "Alan Turing was a mathematician."}}}})
            return self._send({"query": {"pages": {"-1": {"title": q.get("titles"), "missing": ""}}}})
        if url.path == "/page.html":
            return self._send(PAGE, "text/html; charset=utf-8")
        if url.path == "/data/report.csv":
            return self._send(b"a,b\n1,2\n", "text/csv")
        return self._send({"error": "not found"}, status=404)

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Handler.requests.append(("POST", self.path, body, dict(self.headers)))
        if self.path == "/search" and self.headers.get("Authorization") == "Bearer tv-key":
            return self._send({"results": [{"title": "T", "url": "https://t",
                                            "content": body["query"]}]})
        return self._send({"error": "bad"}, status=401)


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


async def test_search_engines_share_one_result_shape(server):
    r = await bing_search("agents", num_results=2, api_key="bing-key", base_url=server)
    assert r.content == [{"title": "Bing 0", "url": "https://b/0", "snippet": "about agents"},
                         {"title": "Bing 1", "url": "https://b/1", "snippet": "about agents"}]
    r = await google_search("agents", api_key="g-key", cse_id="cse-1", base_url=server)
    assert r.content == [{"title": "G", "url": "https://g", "snippet": "cse-1"}]
    r = await tavily_search("agents", api_key="tv-key", base_url=server)
    assert r.content == [{"title": "T", "url": "https://t", "snippet": "agents"}]
    r = await searxng_search("agents", num_results=1, base_url=server)
    assert r.content == [{"title": "S", "url": "https://s", "snippet": "agents"}]
    last_google = [q for m, p, q, h in Handler.requests if p == "/customsearch/v1"][-1]
    assert last_google["key"] == "g-key" and last_google["cx"] == "cse-1"


async def test_keys_come_from_the_environment(server, monkeypatch):
    monkeypatch.setenv("BING_SEARCH_API_KEY", "bing-key")
    monkeypatch.setenv("BING_SEARCH_URL", server)
    r = await bing_search("x", num_results=1)
    assert r.ok and len(r.content) == 1


async def test_missing_key_is_a_clear_error(monkeypatch):
    for var in ("BING_SEARCH_API_KEY", "GOOGLE_API_KEY", "TAVILY_API_KEY", "SEARXNG_URL"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(ConfigError, match="BING_SEARCH_API_KEY"):
        await bing_search("x")
    with pytest.raises(ConfigError, match="TAVILY_API_KEY"):
        await tavily_search("x")
    with pytest.raises(ConfigError, match="SEARXNG_URL"):
        await searxng_search("x")
    tk = Toolkit()
    tk.add(google_search)
    r = await tk.call(ToolCall("1", "google_search", {"query": "x"}))
    assert not r.ok and "GOOGLE_API_KEY" in r.content  # the model is told, nothing is lost


async def test_wrong_key_is_reported(server):
    tk = Toolkit()
    tk.add(bing_search, api_key="wrong", base_url=server)
    r = await tk.call(ToolCall("1", "bing_search", {"query": "x"}))
    assert not r.ok and "HTTP 401" in r.content


async def test_fetch_webpage_turns_html_into_text(server):
    r = await fetch_webpage(server + "/page.html", allow_private=True)
    assert r.content["title"] == "Test Page"
    assert r.content["text"] == "Hello\n\nFirst paragraph with bold & entities.\n\n- one\n- two\nnext"
    assert "secret" not in r.content["text"] and "color" not in r.content["text"]
    assert not (await fetch_webpage(server + "/missing", allow_private=True)).ok
    tk = Toolkit([fetch_webpage])
    r = await tk.call(ToolCall("1", "fetch_webpage", {"url": "file:///etc/passwd"}))
    assert not r.ok and "only http(s)" in r.content
    assert html_to_text("<p>a</p><p>b</p>")[1] == "a\n\nb"


async def test_fetch_tools_refuse_local_addresses_by_default(server, tmp_path):
    tk = Toolkit([fetch_webpage])
    tk.add(download_file, directory=str(tmp_path))
    for name in ("fetch_webpage", "download_file"):
        for url in (server + "/page.html", "http://localhost:9/x", "http://169.254.169.254/latest"):
            r = await tk.call(ToolCall("1", name, {"url": url}))
            assert not r.ok and "not allowed" in r.content, (name, url, r.content)
    assert list(tmp_path.iterdir()) == []


async def test_download_into_the_run_directory(server, tmp_path, monkeypatch):
    from agentcast.tools.services.web import default_run_dir

    monkeypatch.setenv("AGENTCAST_RUN_DIR", str(tmp_path / "run"))
    monkeypatch.chdir(tmp_path)
    r = await download_file(server + "/data/report.csv", allow_private=True)
    saved = (default_run_dir() / "downloads" / "report.csv").resolve()
    assert r.ok and r.urls == [str(saved)] and saved.read_bytes() == b"a,b\n1,2\n"
    r = await download_file(server + "/data/report.csv", filename="../../evil.csv",
                            directory=str(tmp_path / "d"), allow_private=True)
    assert r.urls == [str(tmp_path / "d" / "evil.csv")]


async def test_download_size_cap(server, tmp_path):
    from agentcast.exceptions import ToolExecutionError

    with pytest.raises(ToolExecutionError, match="larger than"):
        await download_file(server + "/data/report.csv", directory=str(tmp_path), max_bytes=3,
                            allow_private=True)
    assert not (tmp_path / "report.csv").exists()


async def test_arxiv_and_wikipedia(server):
    r = await arxiv_search("agentscope", max_results=3, base_url=server)
    assert r.content == [{
        "title": "AgentScope: A Flexible yet Robust Multi-Agent Platform",
        "authors": ["Dawei Gao", "Zitao Li"], "summary": "We present AgentScope.",
        "published": "2024-02-21T00:00:00Z", "url": "http://arxiv.org/abs/2402.14034v1",
        "pdf": "http://arxiv.org/pdf/2402.14034v1"}]
    q = [q for m, p, q, h in Handler.requests if p == "/api/query"][-1]
    assert q["search_query"] == "all:agentscope" and q["max_results"] == "3"
    r = await wikipedia_search("turing", base_url=server)
    assert r.content == [{"title": "Alan Turing", "snippet": "Turing was",
                          "url": server + "/wiki/Alan_Turing"}]
    r = await wikipedia_page("Alan Turing", base_url=server)
    assert r.content == {"title": "Alan Turing", "text": "Alan Turing was a mathematician."}
    assert not (await wikipedia_page("Nobody", base_url=server)).ok


async def test_retrieve_from_list_by_cosine_similarity():
    knowledge = ["The cat sat on the mat.", "Python is a programming language.",
                 "Paris is the capital of France.", "Cats like to sleep on mats."]
    embedder = HashEmbedder()
    tk = Toolkit()
    tk.add(retrieve_from_list, knowledge=knowledge, embedding_model=embedder)
    assert list(tk.schemas()[0]["function"]["parameters"]["properties"]) == ["query", "top_k"]
    r = await tk.call(ToolCall("1", "retrieve_from_list", {"query": "cat on a mat", "top_k": 2}))
    assert {hit["content"] for hit in r.content} == {knowledge[0], knowledge[3]}
    assert r.content[0]["score"] >= r.content[1]["score"] > 0
    calls = embedder.calls
    await tk.call(ToolCall("2", "retrieve_from_list", {"query": "capital of France", "top_k": 1}))
    assert embedder.calls == calls + 1  # the knowledge embeddings were cached
    r = await retrieve_from_list("capital of France", knowledge, embedder, top_k=1)
    assert r.content[0]["content"] == knowledge[2]


async def test_summarize_with_a_model():
    model = ScriptedModel(["Short summary."])
    r = await summarize("A long text about agents. " * 10, model=model, max_words=20)
    assert r.content == "Short summary."
    sent = model.calls[0]["messages"]
    assert "at most 20 words" in sent[0].content and "agents" in sent[1].content
    model = ScriptedModel(["p1", "p2", "p3", "overall"])
    r = await summarize("x" * 250, model=model, chunk_chars=100)
    assert r.content == "overall" and r.metadata["chunks"] == 3
    assert "Part 1: p1" in model.calls[-1]["messages"][1].content
