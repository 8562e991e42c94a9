"""The studio in a real headless Chromium (Debian's, driven by Playwright): live view with
an image, the first-person view, a person answering a UserAgent from the page, and a
screenshot that is not blank."""

from __future__ import annotations

import base64
import re
import time

import pytest

from .conftest import run_demo

pytestmark = pytest.mark.browser


def start_demo(run_dir, *args):
    proc = run_demo(run_dir, *args, wait=False)
    line = proc.stdout.readline()
    match = re.match(r"recording run (\S+)", line)
    assert match, line + proc.stderr.read()
    return proc, match.group(1)


def cards(page, sender=None):
    sel = '[data-testid="msg"]' + (f'[data-sender="{sender}"]' if sender else "")
    return page.locator("#conversation " + sel)


def test_live_view_shows_a_running_conversation_and_its_image(browser, page, tmp_path):
    from agentcast.studio import StudioServer

    run_dir = tmp_path / "runs"
    with StudioServer(run_dir) as studio:
        proc, rid = start_demo(run_dir, "--delay", "0.8")
        try:
            page.goto(f"{studio.token_url}#run={rid}")
            cards(page, "Host").first.wait_for(timeout=15_000)
            assert proc.poll() is None, "the first message should show while the app runs"
            assert page.locator('[data-testid="run-status"]').inner_text() == "running"
            image = cards(page, "Painter").first.locator("img")
            image.wait_for(timeout=15_000)
            page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                                   arg=image.element_handle(), timeout=10_000)
            assert page.evaluate("img => img.naturalWidth", image.element_handle()) == 256
            cards(page, "Critic").first.wait_for(timeout=15_000)
            assert proc.wait(timeout=30) == 0
            page.locator('[data-testid="run-status"]', has_text="finished").wait_for(
                timeout=10_000)
            assert cards(page).count() == 8  # with the script's aside to the Host
            host = cards(page, "Host").first
            assert "sunset over the Tagus" in host.inner_text()
            assert re.search(r"\d+ tok", host.inner_text()) and "$" in host.inner_text()
            host.locator("summary").click()  # the model call expands
            assert "demo-chat" in host.locator("details .call").inner_text()
            # the run list shows it too
            assert page.locator(f'#runs li[data-run="{rid}"]').count() == 1
        finally:
            if proc.poll() is None:
                proc.kill()


def test_first_person_view_shows_only_what_the_agent_saw_and_said(page, studio, demo_rid):
    page.goto(f"{studio.token_url}#run={demo_rid}")
    page.wait_for_function("document.querySelectorAll('#conversation [data-testid=msg]')"
                           ".length === 8", timeout=15_000)  # the script's aside included
    assert "small version" in page.locator("#conversation").inner_text()
    assert "(aside) ask the painter" in page.locator("#conversation").inner_text()
    page.locator('[data-testid="agent-chip"][data-agent="Critic"]').click()
    page.wait_for_function("document.querySelectorAll('#conversation [data-testid=msg]')"
                           ".length === 5", timeout=15_000)
    text = page.locator("#conversation").inner_text()
    assert "small version" not in text  # the Host's aside to the Painter
    assert "Warm colours" in text
    assert "self" in cards(page, "Critic").first.get_attribute("class").split()
    assert "Critic" in page.locator("#pov").inner_text()
    assert "agent=Critic" in page.url
    page.locator('[data-testid="agent-chip"][data-agent=""]').click()
    page.wait_for_function("document.querySelectorAll('#conversation [data-testid=msg]')"
                           ".length === 8", timeout=15_000)


def test_a_person_answers_a_user_agent_from_the_page(browser, page, tmp_path):
    from agentcast.studio import StudioServer

    run_dir = tmp_path / "runs"
    with StudioServer(run_dir) as studio:
        proc, rid = start_demo(run_dir, "--ask")
        try:
            page.goto(f"{studio.token_url}#run={rid}")
            request = page.locator('[data-testid="input-request"]')
            request.wait_for(timeout=20_000)
            assert "User is waiting" in request.inner_text()
            assert "what do you think" in request.inner_text().lower()  # what it answers
            assert proc.poll() is None  # the application waits for the person
            page.locator('[data-testid="input-text"]').fill("Make the sun bigger, please.")
            page.locator('[data-testid="input-send"]').click()
            assert proc.wait(timeout=30) == 0, proc.stderr.read()
            cards(page, "User").first.wait_for(timeout=15_000)
            assert cards(page, "User").first.inner_text().count("Make the sun bigger") == 1
            page.locator('#conversation [data-testid="msg"][data-sender="Host"]',
                         has_text="Noted").wait_for(timeout=15_000)
            page.locator('[data-testid="run-status"]', has_text="finished").wait_for(
                timeout=10_000)
            assert page.locator('[data-testid="input-request"]').count() == 0
        finally:
            if proc.poll() is None:
                proc.kill()


def test_usage_dashboard_and_a_non_blank_screenshot(browser, page, studio, demo_rid, tmp_path):
    page.goto(f"{studio.token_url}#run={demo_rid}")
    cards(page, "Painter").first.locator("img").wait_for(timeout=15_000)
    shot = page.screenshot(path=str(tmp_path / "conversation.png"))
    page.locator('[data-testid="tab-usage"]').click()
    charts = page.locator("#usage .chart svg")
    charts.first.wait_for(timeout=10_000)
    assert charts.count() == 4
    assert page.locator("#usage .chart svg rect").count() >= 4  # bars per agent and model
    assert "demo-vision" in page.locator("#usage").inner_text()
    usage_shot = page.screenshot(path=str(tmp_path / "usage.png"))
    for png in (shot, usage_shot):
        stats = pixel_stats(browser, png)
        assert stats["width"] == 1360 and stats["height"] == 900
        assert stats["variance"] > 100, stats  # not a blank page
        assert stats["colours"] > 50, stats


def pixel_stats(browser, png: bytes) -> dict:
    """Decode the PNG (in a blank page's canvas) and measure how much its pixels vary."""
    page = browser.new_page()
    try:
        return page.evaluate("""async (src) => {
            const img = new Image(); img.src = src; await img.decode();
            const c = document.createElement('canvas');
            c.width = img.naturalWidth; c.height = img.naturalHeight;
            const ctx = c.getContext('2d'); ctx.drawImage(img, 0, 0);
            const d = ctx.getImageData(0, 0, c.width, c.height).data;
            let n = 0, sum = 0, sq = 0; const colours = new Set();
            for (let i = 0; i < d.length; i += 4 * 7) {
                const v = 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
                n++; sum += v; sq += v * v;
                if (colours.size < 5000) colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
            }
            const mean = sum / n;
            return {width: c.width, height: c.height, variance: sq / n - mean * mean,
                    colours: colours.size};
        }""", "data:image/png;base64," + base64.b64encode(png).decode())
    finally:
        page.close()


def wav_tone(seconds: float = 0.3, rate: int = 8000) -> bytes:
    import math
    import struct

    n = int(seconds * rate)
    pcm = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate)))
                   for i in range(n))
    return (b"RIFF" + struct.pack("<I", 36 + len(pcm)) + b"WAVEfmt "
            + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
            + b"data" + struct.pack("<I", len(pcm)) + pcm)


@pytest.fixture
def media_run(tmp_path):
    """A run whose messages carry audio, video and a file outside the run directory."""
    from agentcast import hooks
    from agentcast.message import Msg
    from agentcast.multimodal import file_manager
    from agentcast.observe import end_run, start_run

    run = start_run(run_dir=tmp_path / "runs", console=False)
    fm = file_manager(run)
    outside = tmp_path / "private.png"
    outside.write_bytes(b"\x89PNG private")
    urls = [fm.save(wav_tone()), fm.save(b"\x00\x00\x00\x18ftypmp42fake", ext=".mp4"),
            str(outside)]
    msg = Msg("Narrator", "Listen and watch.", url=urls)
    now = time.time()
    hooks.emit("reply", {"agent": "Narrator", "seq_id": "Narrator#1", "msg": msg,
                         "input": None, "started": now - 0.1, "ended": now, "error": None})
    hooks.emit("observe", {"agent": "Listener", "msg": msg})
    end_run()
    return tmp_path / "runs", run.id


def test_audio_and_video_play_inline_and_outside_files_are_not_linked(page, media_run):
    from agentcast.studio import StudioServer

    run_dir, rid = media_run
    with StudioServer(run_dir) as studio:
        page.goto(f"{studio.token_url}#run={rid}")
        card = cards(page, "Narrator").first
        card.wait_for(timeout=15_000)
        audio, video = card.locator("audio"), card.locator("video")
        assert audio.count() == 1 and video.count() == 1
        page.evaluate("a => { a.preload = 'auto'; a.load(); }", audio.element_handle())
        page.wait_for_function("a => a.readyState >= 1 && a.duration > 0.2",
                               arg=audio.element_handle(), timeout=10_000)
        blocked = card.locator(".blocked")
        assert blocked.inner_text() == "private.png"
        assert card.locator('a[href*="private"], img[src*="private"]').count() == 0
        src = video.get_attribute("src")
        response = page.request.get(studio.url.rstrip("/") + src)
        assert response.status == 200 and response.headers["content-type"] == "video/mp4"


def test_with_a_token_the_page_works_after_one_tokened_visit(page, demo_runs, demo_rid):
    from agentcast.studio import StudioServer

    with StudioServer(demo_runs, token="t0ken-for-test") as studio:
        page.goto(f"{studio.token_url}#run={demo_rid}")  # ?token=... once; a cookie after that
        image = cards(page, "Painter").first.locator("img")
        image.wait_for(timeout=15_000)
        page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                               arg=image.element_handle(), timeout=10_000)
        assert "token" not in page.url
        other = page.context.browser.new_page()  # no cookie: refused
        try:
            other.goto(f"http://127.0.0.1:{studio.port}/")
            assert "needs an access token" in other.inner_text("body")
        finally:
            other.close()


def test_default_token_url_opens_the_page_and_the_cookie_is_httponly(page, studio, demo_rid):
    """The studio started with defaults: the bare address is refused, the printed token
    address opens the page, and the token lives in a cookie scripts cannot read."""
    bare = page.goto(f"{studio.url}#run={demo_rid}")
    assert bare is not None and bare.status == 401
    assert "needs an access token" in page.inner_text("body")
    page.goto(f"{studio.token_url}#run={demo_rid}")
    cards(page, "Painter").first.wait_for(timeout=15_000)
    assert page.evaluate("document.cookie") == ""  # HttpOnly
    cookie = next(c for c in page.context.cookies()
                  if c["name"] == f"agentcast_studio_token-{studio.port}")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert cookie["value"] == studio.token
    page.reload()  # the cookie alone keeps the page working
    cards(page, "Painter").first.wait_for(timeout=15_000)


def test_a_dns_rebinding_page_cannot_reach_the_studio(browser, studio, demo_rid):
    """Chromium resolving an attacker's name to 127.0.0.1 (what DNS rebinding achieves):
    the studio refuses the foreign Host, even with the token in the address."""
    from .conftest import CHROMIUM, CHROMIUM_ARGS

    port = studio.url.rstrip("/").rsplit(":", 1)[1]
    rebound = browser.browser_type.launch(executable_path=CHROMIUM, args=[
        *CHROMIUM_ARGS, "--host-resolver-rules=MAP rebind.test 127.0.0.1"])
    try:
        pg = rebound.new_page()
        resp = pg.goto(f"http://rebind.test:{port}/?token={studio.token}#run={demo_rid}")
        assert resp is not None and resp.status == 421
        # a script on the rebound origin, as the attacker's page would run it
        status = pg.evaluate("t => fetch('/api/runs', {headers: {Authorization: 'Bearer ' + t}})"
                             ".then(r => r.status)", studio.token)
        assert status == 421
        assert "Painter" not in pg.content()
        ok = pg.goto(f"{studio.token_url}#run={demo_rid}")  # the same browser, right name
        assert ok is not None and ok.status == 200
    finally:
        rebound.close()


def test_two_studios_in_one_browser_keep_their_own_cookies(page, demo_runs, demo_rid):
    """Browsers share cookies across ports: one studio's token must not evict another's."""
    from agentcast.studio import StudioServer

    with StudioServer(demo_runs) as a, StudioServer(demo_runs) as b:
        page.goto(f"{a.token_url}#run={demo_rid}")
        cards(page, "Painter").first.wait_for(timeout=15_000)
        page.goto(f"{b.token_url}#run={demo_rid}")
        cards(page, "Painter").first.wait_for(timeout=15_000)
        again = page.goto(f"{a.url}#run={demo_rid}")  # no token in the address now
        assert again is not None and again.status == 200
        cards(page, "Painter").first.wait_for(timeout=15_000)


def test_a_run_without_prices_shows_no_price_not_zero_dollars(page, tmp_path):
    """A local model has no price: the studio says so instead of "$0.00000"; token counts
    the server did not report are shown as estimates."""
    import agentcast as ac
    from agentcast.observe.run import end_run
    from agentcast.studio import StudioServer
    from agentcast.testing import ScriptedModel

    run_dir = tmp_path / "runs"
    ac.init(run_dir=run_dir, run_name="unpriced", console=False, logger_level="WARNING")
    reply = {"text": "Hello.", "usage": {"prompt_tokens": 10, "completion_tokens": 3,
                                         "estimated": True}}
    agent = ac.DialogAgent("Local", "hi", model=ScriptedModel([reply], "my-local-llm"))
    agent(ac.Msg("user", "hi", "user")).content
    end_run()
    rid = next(p.name for p in run_dir.iterdir() if (p / "store.db").exists())
    with StudioServer(run_dir) as studio:
        page.goto(f"{studio.token_url}#run={rid}")
        cost = page.locator('[data-testid="run-cost"]')
        cost.wait_for(timeout=15_000)
        assert cost.inner_text() == "no price"
        assert "$0.0" not in page.locator("#run-totals").inner_text()
        tokens = cards(page, "Local").first.locator('[data-testid="tokens"]')
        tokens.wait_for(timeout=15_000)
        assert tokens.inner_text() == "~13 tok"


def test_live_view_shows_who_is_thinking_and_for_how_long(page, tmp_path):
    from agentcast.studio import StudioServer

    run_dir = tmp_path / "runs"
    with StudioServer(run_dir) as studio:
        proc, rid = start_demo(run_dir, "--delay", "3.5")
        try:
            page.goto(f"{studio.token_url}#run={rid}")
            pill = page.locator('[data-testid="thinking"]').first
            pill.wait_for(timeout=15_000)
            page.wait_for_function(
                "() => [...document.querySelectorAll('[data-testid=thinking]')]"
                ".some(p => /thinking… [1-9]\\d* s/.test(p.textContent))", timeout=10_000)
            assert proc.wait(timeout=60) == 0
            page.locator('[data-testid="run-status"]', has_text="finished").wait_for(
                timeout=10_000)
            assert page.locator('[data-testid="thinking"]').count() == 0
        finally:
            if proc.poll() is None:
                proc.kill()
