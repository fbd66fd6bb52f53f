"""`backup_all(notify=..., metrics=...)`: one webhook call per run and the Prometheus textfile,
received by a local HTTP server and read back from the file."""

from __future__ import annotations

import http.server
import json
import threading
from pathlib import Path
from typing import Any, Iterator

import pytest
from conftest import DURIAN, SOURCE, day

import vmrotate


class Receiver(http.server.BaseHTTPRequestHandler):
    """Records each POST's path, headers and body on its server, answering 200."""

    def do_POST(self) -> None:  # noqa: N802 (the http.server name)
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode()
        received: list[dict[str, Any]] = self.server.received  # type: ignore[attr-defined]
        received.append({"path": self.path, "headers": dict(self.headers), "body": body})
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base's name)
        pass


@pytest.fixture
def receiver() -> Iterator[http.server.HTTPServer]:
    server = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_backup_all_notifies_and_writes_metrics(
    client: vmrotate.Client, receiver: http.server.HTTPServer, tmp_path: Path
) -> None:
    port = receiver.server_address[1]
    textfile = tmp_path / "vmrotate.prom"
    run = client.backup_all(
        [{"vm": SOURCE, "datastores": [DURIAN]}],
        at=day(1),
        notify={
            "when": "always",
            "webhook": {"url": f"http://127.0.0.1:{port}/hook?token=s3cret", "format": "json"},
        },
        metrics={"textfile": str(textfile)},
    )
    assert run.ok
    assert run.notifications == [
        {"channel": "metrics_textfile", "ok": True, "error": None},
        {"channel": "webhook", "ok": True, "error": None},
    ]
    received: list[dict[str, Any]] = receiver.received  # type: ignore[attr-defined]
    assert len(received) == 1
    assert received[0]["path"] == "/hook?token=s3cret"
    body = json.loads(received[0]["body"])
    assert body["reports"][0]["created"] == run.reports[0].created
    metrics = textfile.read_text()
    assert f'vmrotate_backup_last_run_success{{vm="{SOURCE}"}} 1\n' in metrics
    assert "# TYPE vmrotate_backup_generations gauge\n" in metrics


def test_backup_all_rejects_invalid_notify_settings(client: vmrotate.Client) -> None:
    jobs = [{"vm": SOURCE, "datastores": [DURIAN]}]
    with pytest.raises(ValueError, match="starttls"):
        client.backup_all(
            jobs,
            notify={
                "email": {
                    "server": "smtp://mail.example.lan",
                    "starttls": "opportunistic",
                    "from": "vmrotate@example.lan",
                    "to": ["ops@example.lan"],
                    "username": "vmrotate",
                }
            },
        )
    with pytest.raises(ValueError, match="invalid notify: unknown variant `sometimes`"):
        client.backup_all(jobs, notify={"when": "sometimes"})
    with pytest.raises(ValueError, match="pushgateway"):
        client.backup_all(jobs, metrics={"pushgateway": "ftp://gateway"})
