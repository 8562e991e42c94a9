"""``agentcast studio``: serve the web UI over a run directory."""

from __future__ import annotations

import argparse
import os
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", default=os.environ.get("AGENTCAST_RUN_DIR", "runs"),
                        help="directory holding the runs (default: ./runs)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=5000, help="port (default 5000)")
    parser.add_argument("--token", default=None,
                        help="access token (default: $AGENTCAST_STUDIO_TOKEN, else one made "
                             "up per start and printed in the address)")
    parser.add_argument("--no-token", action="store_true",
                        help="serve without a token (loopback only; any local process and "
                             "any page open in a browser can then read the runs)")
    parser.add_argument("--allow-host", action="append", default=[],
                        help="another Host name to answer to (e.g. behind a reverse proxy)")
    parser.add_argument("--open", action="store_true", help="open the page in a browser")


def run(args: argparse.Namespace) -> int:
    from agentcast.exceptions import MissingExtraError, UsageError
    from agentcast.netguard import NO_TOKEN

    try:
        from agentcast.studio.runner import StudioServer

        server = StudioServer(args.dir, host=args.host, port=args.port, token=args.token,
                              auth=NO_TOKEN if args.no_token else None,
                              allowed_hosts=args.allow_host)
        # A made-up token is printed once, in the address to open; a given one is not.
        shown = server.token_url if server.generated else server.url
        print(f"agentcast studio over {os.path.abspath(args.dir)!r}: {shown}", flush=True)
        if args.open:
            import webbrowser

            webbrowser.open(server.token_url)
        server.serve_forever()
    except MissingExtraError as exc:
        print(f"error: {exc}")
        return 1
    except UsageError as exc:
        print(f"agentcast studio: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0
