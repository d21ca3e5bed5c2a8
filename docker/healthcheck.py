"""Container health check: exit 0 when the service's GET /ready answers 200, else 1.

Standard library only (the slim image has no curl). Reads the same SIMSERVICE_HOST and
SIMSERVICE_PORT as the service, so a changed port needs no second setting.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

WILDCARDS = ("", "0.0.0.0", "::")


def ready_url(environ=os.environ) -> str:
    host = environ.get("SIMSERVICE_HOST", "127.0.0.1")
    host = "127.0.0.1" if host in WILDCARDS else host
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{environ.get('SIMSERVICE_PORT', '8000')}/ready"


def main() -> int:
    url = ready_url()
    try:
        with urllib.request.urlopen(url, timeout=4) as response:
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as e:  # HTTPError (503 while warming up) is a URLError
        print(f"{url}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
