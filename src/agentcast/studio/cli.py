"""``agentcast studio``: serve the web UI over a run directory."""

from __future__ import annotations

import argparse
import os


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", default=os.environ.get("AGENTCAST_RUN_DIR", "runs"),
                        help="directory holding the runs (default: ./runs)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to bind (default 127.0.0.1; any other needs a token)")
    parser.add_argument("--port", type=int, default=5000, help="port (default 5000)")
    parser.add_argument("--token", default=None,
                        help="access token (default: $AGENTCAST_STUDIO_TOKEN; made up when "
                             "bound beyond localhost)")
    parser.add_argument("--open", action="store_true", help="open the page in a browser")


def run(args: argparse.Namespace) -> int:
    from agentcast.exceptions import MissingExtraError

    try:
        from agentcast.studio.runner import StudioServer

        server = StudioServer(args.dir, host=args.host, port=args.port, token=args.token)
        print(f"agentcast studio over {os.path.abspath(args.dir)!r}: {server.url}", flush=True)
        if args.open:
            import webbrowser

            webbrowser.open(server.url)
        server.serve_forever()
    except MissingExtraError as exc:
        print(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        pass
    return 0
