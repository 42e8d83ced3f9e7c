"""`python -m bot.console`: start the front desk console (CONSOLE_BIND:CONSOLE_PORT)."""

from __future__ import annotations

import argparse
import logging
import sys

from bot.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="python -m bot.console", description=__doc__)
    parser.add_argument("--host", default=settings.console_bind)
    parser.add_argument("--port", type=int, default=settings.console_port)
    args = parser.parse_args(argv)

    import uvicorn

    from bot.console.app import build_app

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    print(f"Front desk console: http://{args.host}:{args.port}/  "
          "(add staff with `clinic staff add NAME`)", flush=True)
    # No access log: open pages poll every 2 s, and every change is in the audit log.
    # Behind a TLS proxy on this host, X-Forwarded-Proto from 127.0.0.1 is trusted.
    # No websockets: the pages poll (and Rasa pins an older `websockets` than uvicorn's).
    uvicorn.run(build_app(settings), host=args.host, port=args.port, proxy_headers=True,
                log_level="info", access_log=False, ws="none")
    return 0


if __name__ == "__main__":
    sys.exit(main())
