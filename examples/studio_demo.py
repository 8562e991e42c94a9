"""A short scripted multi-agent conversation with an image, recorded for the studio.

Three agents plan a poster in a message hub: a host, a painter (TextToImageAgent) and a
critic that looks at the picture. Everything runs offline (function models and a tiny
built-in painter), and the run is recorded under ./runs for ``agentcast studio``:

    python examples/studio_demo.py                 # record a run, then: agentcast studio
    python examples/studio_demo.py --studio        # record it and serve the studio
    python examples/studio_demo.py --ask           # a person answers from the studio page
"""

from __future__ import annotations

import argparse
import struct
import zlib

import agentcast as ac
from agentcast.testing.scripted import FunctionModel

# dollars per 1M tokens (input, output) for the demo's pretend models
PRICES = {"demo-chat": (2.5, 10.0), "demo-vision": (5.0, 15.0)}


def paint(prompt: str) -> bytes:
    """The offline 'image model': a sunset as a PNG (a small one when asked for)."""
    return sunset_png(128, 80) if "small" in prompt else sunset_png(256, 160, prompt)


def sunset_png(width: int, height: int, prompt: str = "") -> bytes:
    """A sunset over water as a PNG, made without any library."""
    seed = zlib.crc32(prompt.encode()) % 60
    rows = []
    for y in range(height):
        row = bytearray([0])  # filter: none
        for x in range(width):
            if y < height * 0.62:  # sky: orange to purple, with a sun
                t = y / (height * 0.62)
                r, g, b = 250 - int(90 * t), 150 - int(100 * t) + seed, 80 + int(90 * t)
                dx, dy = x - width * 0.62, y - height * 0.5
                if dx * dx + dy * dy < (height * 0.16) ** 2:
                    r, g, b = 255, 214, 120
            else:  # water with sun glitter
                t = (y - height * 0.62) / (height * 0.38)
                r, g, b = 40 + int(30 * (1 - t)), 60 + int(20 * (1 - t)), 110 - int(30 * t)
                if abs(x - width * 0.62) < 24 * (1 - t) + 4 and (y + x // 7) % 5 == 0:
                    r, g, b = 250, 200, 110
            row += bytes((max(0, min(255, r)), max(0, min(255, g)), max(0, min(255, b))))
        rows.append(bytes(row))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + \
            struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + \
        chunk(b"IDAT", zlib.compress(b"".join(rows), 6)) + chunk(b"IEND", b"")


def host_model(messages: list[ac.Msg]) -> str:
    last = messages[-1]
    text = str(last.content)
    if text.startswith("(aside)"):
        return "Painter, could you also make a small version for the website?"
    if last.name == "User":
        return f"Thanks! Noted: “{text}”. The poster goes to print tomorrow."
    if last.name == "Critic":
        return "Great — what do you think of it? Anything to change?"
    return "Let's make a poster for the Lisbon trip: a sunset over the Tagus."


def critic_model(messages: list[ac.Msg]) -> str:
    # The critic sees the painter's image as an attachment of the message (vision input).
    images = [m for m in messages if m.url]
    if images:
        return ("Warm colours and a clear horizon — the sun's reflection leads the eye. "
                "I'd add the title in the sky, top left.")
    return "I'll wait for the picture."


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-dir", default="runs")
    parser.add_argument("--ask", action="store_true",
                        help="include a UserAgent answered from the studio page")
    parser.add_argument("--studio", action="store_true", help="serve the studio afterwards")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--delay", type=float, default=0.0,
                        help="seconds each model takes (to watch the run live)")
    args = parser.parse_args(argv)

    ac.init(run_dir=args.run_dir, run_name="studio demo", prices=PRICES, console=False)
    from agentcast.observe import current_run

    run = current_run()
    assert run is not None
    print(f"recording run {run.id} in {run.dir}", flush=True)
    if args.ask:
        from agentcast.studio import web_input

        web_input(run)
        print("waiting for an answer in the studio page (agentcast studio)", flush=True)

    host = ac.DialogAgent("Host", "You host a design meeting.",
                          model=FunctionModel(host_model, "host", "demo-chat",
                                              latency=args.delay))
    painter = ac.TextToImageAgent("Painter", model=paint)
    critic = ac.DialogAgent("Critic", "You review pictures kindly and briefly.",
                            model=FunctionModel(critic_model, "critic", "demo-vision",
                                                latency=args.delay))
    user = ac.UserAgent("User")
    members = [host, painter, critic] + ([user] if args.ask else [])
    with ac.msghub(members, announcement=ac.Msg("system", "Meeting: a poster for our trip.",
                                                 role="system")):
        brief = host()
        picture = painter(brief)
        review = critic()
        x = host(review)
        if args.ask:
            x = user(x)
            x = host(x)
        print(f"{picture.name}: {picture.url}", flush=True)
        print(f"{x.name}: {x.content}", flush=True)
    # An aside outside the hub: the critic never sees it (try the critic's first-person view).
    note = host(ac.Msg("system", "(aside) ask the painter for a web version", role="system"))
    small = painter(note)
    print(f"{small.name}: {small.url}", flush=True)
    ac.wait_all()
    from agentcast.observe import end_run

    end_run()
    print(f"run {run.id} recorded", flush=True)
    if args.studio:
        from agentcast.studio import StudioServer

        server = StudioServer(args.run_dir, port=args.port)
        print(f"studio: {server.token_url}#run={run.id}", flush=True)
        server.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
