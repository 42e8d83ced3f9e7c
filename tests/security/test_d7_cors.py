"""D7: `make run` started Rasa with `--cors "*"`, and the REST webhook reflected any Origin
with credentials allowed, so any website could drive the chat from its visitors' browsers.

Now `make run` sets no app-wide CORS and the REST webhook answers CORS itself for the
widget's origins only (WIDGET_ALLOWED_ORIGINS, default the demo page's), never with
credentials; a foreign Origin gets no Access-Control-Allow-Origin at all.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request

import pytest

from bot.channels.widget import DEFAULT_ALLOWED_ORIGINS
from bot.settings import PROJECT_ROOT
from tests.security.conftest import Stack

FOREIGN = "https://evil.example"
ALLOWED = DEFAULT_ALLOWED_ORIGINS[1]


def request(stack: Stack, method: str, origin: str) -> dict[str, str]:
    headers = {"Origin": origin}
    data = None
    if method == "OPTIONS":
        headers.update({"Access-Control-Request-Method": "POST",
                        "Access-Control-Request-Headers": "content-type"})
    else:
        data = b'{"sender": "cors-check", "message": "hi"}'
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(
        f"{stack.rasa_url}/webhooks/rest/webhook", data=data, headers=headers, method=method
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as reply:
            return {k.lower(): v for k, v in reply.headers.items()}
    except urllib.error.HTTPError as error:
        return {k.lower(): v for k, v in error.headers.items()}


def test_make_run_starts_rasa_without_app_wide_cors():
    script = (PROJECT_ROOT / "scripts" / "run.sh").read_text()
    rasa_run = re.search(r"rasa run --model.*?(?:\n(?!\s)|\Z)", script, re.DOTALL).group()

    assert "--cors" not in rasa_run


@pytest.mark.servers
@pytest.mark.parametrize("method", ["OPTIONS", "POST"])
def test_a_foreign_origin_is_not_reflected(stack: Stack, method):
    headers = request(stack, method, FOREIGN)

    assert "access-control-allow-origin" not in headers
    assert "access-control-allow-credentials" not in headers


@pytest.mark.servers
@pytest.mark.parametrize("method", ["OPTIONS", "POST"])
def test_the_widgets_origin_is_allowed_without_credentials(stack: Stack, method):
    headers = request(stack, method, ALLOWED)

    assert headers.get("access-control-allow-origin") == ALLOWED
    assert "access-control-allow-credentials" not in headers
