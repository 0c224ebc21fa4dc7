"""What docs/deploy.md and the README tell a team to run works against a real router: the
drain and telemetry-drain URLs they build, and the hand check of the OTLP path."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx

from kit.routerkit import api_headers

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = (ROOT / "docs" / "deploy.md").read_text()
README = (ROOT / "README.md").read_text()
KEEP_ALL = README[README.index("## Keep all your Heroku logs") :].split("\n## ", 1)[0]


def shell_blocks(text: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", text, re.S)


def test_the_documented_curl_check_stores_its_line(router) -> None:
    [curl] = [b for b in shell_blocks(DEPLOY) if b.startswith("curl ")]
    url = re.search(r'curl -sS "([^"]+)"', curl)[1]
    assert url == "https://$HOST/v1/logs"
    headers = dict(h.split(": ", 1) for h in re.findall(r"-H ['\"]([^'\"]+)['\"]", curl))
    assert headers == {"x-api-key": "$TOKEN", "Content-Type": "application/json"}
    body = re.search(r"-d '([^']+)'", curl)[1]
    answer = httpx.post(
        f"{router.base_url}/v1/logs",
        content=body.encode(),
        headers={**headers, "x-api-key": router.token},
    )
    assert (answer.status_code, answer.json()) == (200, {})
    lines = httpx.get(f"{router.base_url}/apps/myapp/log-lines", headers=api_headers(router))
    assert [line["message"] for line in lines.json()["lines"]] == ["hello from curl"]
    assert json.loads(body)  # the block is one JSON document, as pasted


def test_readme_and_deploy_doc_give_the_same_drain_commands() -> None:
    """The README's short version is the deploy doc's, not a second way that may drift."""
    for command in ("heroku drains:add", "heroku telemetry:add"):
        ours = [
            " ".join(line.split("#")[0].split())
            for block in shell_blocks(KEEP_ALL)
            for line in block.replace("\\\n", " ").splitlines()
            if line.startswith(command)
        ]
        theirs = [
            " ".join(line.split())
            for block in shell_blocks(DEPLOY)
            for line in block.replace("\\\n", " ").splitlines()
            if line.startswith(command)
        ]
        assert ours and ours == theirs, command
