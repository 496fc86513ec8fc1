"""Tests of the download stage against a real HTTP server on 127.0.0.1 and local files."""

from __future__ import annotations

import hashlib
import json
import logging
import random
import re
import socket
import subprocess
import sys
import threading
import urllib.error
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from tinyclr.config import ConfigError, load_section
from tinyclr.data.download import DataConfig, download, unknown_host
from tinyclr.errors import StageError

PAYLOAD = random.Random(0).randbytes(600_000)
PAYLOAD_MD5 = hashlib.md5(PAYLOAD).hexdigest()
WRONG_MD5 = hashlib.md5(b"something else").hexdigest()
ETAG = '"v1"'
CUT = 200_000


class ZipHandler(BaseHTTPRequestHandler):
    """Serves ``server.payload`` with Range support, with faults queued on the server.

    ``server.statuses`` lists error statuses to send for the next requests. ``server.drops`` lists
    byte counts after which the next responses close the connection, and ``server.stalls`` byte
    counts after which they stop sending until the test ends.
    """

    def do_GET(self) -> None:
        server = self.server
        server.requests.append(dict(self.headers))
        if server.statuses:
            self.send_error(server.statuses.pop(0))
            return

        payload = server.payload
        start = 0
        requested = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range", ""))
        validator = self.headers.get("If-Range")
        if requested and server.ranges and validator in (None, ETAG):
            start = int(requested.group(1))
            if start >= len(payload):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(payload)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(payload) - 1}/{len(payload)}")
        else:
            self.send_response(200)
        body = payload[start:]
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", ETAG)
        self.end_headers()

        if server.drops:
            self.wfile.write(body[: server.drops.pop(0)])
            return
        if server.stalls:
            self.wfile.write(body[: server.stalls.pop(0)])
            self.wfile.flush()
            server.release.wait(timeout=10)
            return
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    # urllib would send even 127.0.0.1 requests through a proxy named in the environment.
    for name in ("http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), ZipHandler)
    httpd.payload = PAYLOAD
    httpd.ranges = True
    httpd.statuses = []
    httpd.drops = []
    httpd.stalls = []
    httpd.requests = []
    httpd.release = threading.Event()
    httpd.url = f"http://127.0.0.1:{httpd.server_port}/tiny-imagenet-200.zip"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield httpd
    httpd.release.set()
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def closed_url():
    """A URL on 127.0.0.1 whose port has no listener."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/tiny-imagenet-200.zip"


def make_config(url: str, md5: str | None = PAYLOAD_MD5, **overrides) -> DataConfig:
    values = {"timeout_s": 5.0, "retries": 2, "backoff_s": 0.0} | overrides
    return DataConfig(url=url, md5=md5, **values)


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir()) if out.parent.exists() else []


def write_partial(out: Path, data: bytes, url: str, validator: str | None) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_name(out.name + ".part").write_bytes(data)
    record = {"url": url, "validator": validator}
    out.with_name(out.name + ".part.json").write_text(json.dumps(record))


def run_cli(tmp_path: Path, data: dict) -> subprocess.CompletedProcess:
    (tmp_path / "params.yaml").write_text(yaml.safe_dump({"data": data}))
    command = [sys.executable, "-m", "tinyclr", "download", "--out", "raw/tiny.zip"]
    return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=60)


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


def test_http_success(server, tmp_path):
    out = tmp_path / "raw" / "tiny.zip"
    md5 = download(make_config(server.url), out)
    assert out.read_bytes() == PAYLOAD
    assert md5 == PAYLOAD_MD5
    assert leftovers(out) == ["tiny.zip"]
    assert "Range" not in server.requests[0]


def test_http_dropped_connection_resumed(server, tmp_path, caplog):
    server.drops.append(CUT)
    out = tmp_path / "tiny.zip"
    download(make_config(server.url), out)
    assert out.read_bytes() == PAYLOAD
    assert len(server.requests) == 2
    assert server.requests[1].get("Range") == f"bytes={CUT}-"
    assert server.requests[1].get("If-Range") == ETAG
    assert f"connection closed after {CUT} of {len(PAYLOAD)} bytes" in caplog.text


def test_http_stalled_read_resumed(server, tmp_path, caplog):
    server.stalls.append(CUT)
    out = tmp_path / "tiny.zip"
    download(make_config(server.url, timeout_s=0.3), out)
    assert out.read_bytes() == PAYLOAD
    assert server.requests[1].get("Range") == f"bytes={CUT}-"
    assert "timed out" in caplog.text


def test_http_without_range_support_restarts(server, tmp_path):
    server.ranges = False
    server.drops.append(CUT)
    out = tmp_path / "tiny.zip"
    download(make_config(server.url), out)
    assert out.read_bytes() == PAYLOAD
    assert server.requests[1].get("Range") == f"bytes={CUT}-"


def test_http_checksum_mismatch(server, tmp_path):
    out = tmp_path / "raw" / "tiny.zip"
    with pytest.raises(StageError) as raised:
        download(make_config(server.url, md5=WRONG_MD5), out)
    message = str(raised.value)
    assert f"expected {WRONG_MD5}, got {PAYLOAD_MD5}" in message
    assert "data.md5" in message
    assert leftovers(out) == []


def test_http_unreachable(closed_url, tmp_path, caplog):
    out = tmp_path / "raw" / "tiny.zip"
    with pytest.raises(StageError) as raised:
        download(make_config(closed_url, retries=2), out)
    message = str(raised.value)
    assert "3 attempts failed" in message
    assert "Connection refused" in message
    assert "set data.url to its path or file:// URL" in message
    assert caplog.text.count("retrying in") == 2
    assert not out.exists()
    assert not out.parent.exists()


def test_http_not_found_not_retried(server, tmp_path):
    server.statuses.append(404)
    out = tmp_path / "tiny.zip"
    with pytest.raises(StageError, match="HTTP 404"):
        download(make_config(server.url), out)
    assert len(server.requests) == 1
    assert leftovers(out) == []


def test_http_server_error_retried(server, tmp_path, caplog):
    server.statuses.append(503)
    out = tmp_path / "tiny.zip"
    download(make_config(server.url), out)
    assert out.read_bytes() == PAYLOAD
    assert "HTTP 503" in caplog.text


def test_partial_of_earlier_run_resumed(server, tmp_path):
    out = tmp_path / "tiny.zip"
    write_partial(out, PAYLOAD[:CUT], server.url, ETAG)
    download(make_config(server.url), out)
    assert out.read_bytes() == PAYLOAD
    assert len(server.requests) == 1
    assert server.requests[0].get("Range") == f"bytes={CUT}-"
    assert leftovers(out) == ["tiny.zip"]


def test_partial_of_other_url_discarded(server, tmp_path):
    out = tmp_path / "tiny.zip"
    write_partial(out, b"x" * CUT, "http://127.0.0.1:1/other.zip", ETAG)
    download(make_config(server.url), out)
    assert out.read_bytes() == PAYLOAD
    assert "Range" not in server.requests[0]


def test_partial_of_changed_file_restarts(server, tmp_path):
    out = tmp_path / "tiny.zip"
    write_partial(out, b"x" * CUT, server.url, '"v0"')
    download(make_config(server.url), out)
    assert out.read_bytes() == PAYLOAD
    assert server.requests[0].get("If-Range") == '"v0"'


def test_complete_partial_not_fetched_again(server, tmp_path):
    out = tmp_path / "tiny.zip"
    write_partial(out, PAYLOAD, server.url, ETAG)
    download(make_config(server.url), out)
    assert out.read_bytes() == PAYLOAD
    assert len(server.requests) == 1


def test_verified_output_kept(server, tmp_path):
    out = tmp_path / "tiny.zip"
    out.write_bytes(PAYLOAD)
    download(make_config(server.url), out)
    assert server.requests == []


def test_stale_output_deleted_on_failure(closed_url, tmp_path):
    out = tmp_path / "tiny.zip"
    out.write_bytes(b"old")
    with pytest.raises(StageError):
        download(make_config(closed_url, retries=0), out)
    assert not out.exists()


def test_local_path_relative(tmp_path, monkeypatch, caplog):
    caplog.set_level(logging.INFO)
    monkeypatch.chdir(tmp_path)
    Path("copy.zip").write_bytes(PAYLOAD)
    out = tmp_path / "raw" / "tiny.zip"
    download(make_config("copy.zip", md5=None), out)
    assert out.read_bytes() == PAYLOAD
    assert f"md5 of copy.zip: {PAYLOAD_MD5}" in caplog.text
    assert leftovers(out) == ["tiny.zip"]


def test_file_url(tmp_path):
    source = tmp_path / "copy.zip"
    source.write_bytes(PAYLOAD)
    out = tmp_path / "raw" / "tiny.zip"
    download(make_config(source.as_uri()), out)
    assert out.read_bytes() == PAYLOAD


def test_file_url_other_host(tmp_path):
    with pytest.raises(StageError, match="only local files"):
        download(make_config("file://example.org/tiny.zip"), tmp_path / "tiny.zip")


def test_local_checksum_mismatch(tmp_path):
    source = tmp_path / "copy.zip"
    source.write_bytes(PAYLOAD)
    out = tmp_path / "raw" / "tiny.zip"
    with pytest.raises(StageError, match=f"expected {WRONG_MD5}, got {PAYLOAD_MD5}"):
        download(make_config(str(source), md5=WRONG_MD5), out)
    assert leftovers(out) == []


def test_local_missing_file(tmp_path):
    out = tmp_path / "raw" / "tiny.zip"
    with pytest.raises(StageError, match="missing.zip not found"):
        download(make_config(str(tmp_path / "missing.zip")), out)
    assert not out.exists()


def test_local_source_is_output(tmp_path):
    out = tmp_path / "tiny.zip"
    out.write_bytes(PAYLOAD)
    assert download(make_config(str(out), md5=None), out) == PAYLOAD_MD5
    assert out.read_bytes() == PAYLOAD


@pytest.mark.parametrize(
    "data, expected",
    [
        ({"md5": "abc"}, "data.md5 = 'abc' is invalid: expected 32 hexadecimal digits"),
        ({"url": "ftp://127.0.0.1/x.zip"}, "use an http://, https:// or file:// URL"),
        ({"retries": -1}, "data.retries = -1 is out of range: must be >= 0"),
        ({"timeout_s": 0}, "data.timeout_s = 0.0 is out of range: must be > 0"),
        ({"mirror": "x"}, "unknown key data.mirror"),
    ],
)
def test_config_invalid(data, expected):
    with pytest.raises(ConfigError, match=re.escape(expected)):
        load_section({"data": data}, "data", DataConfig)


def test_config_defaults():
    config = load_section({}, "data", DataConfig)
    assert config.md5 == "90528d7ca1a48142e341f4ef8d21d0de"


def test_cli_success(server, tmp_path):
    result = run_cli(tmp_path, {"url": server.url, "md5": PAYLOAD_MD5})
    assert result.returncode == 0
    assert (tmp_path / "raw" / "tiny.zip").read_bytes() == PAYLOAD


def test_cli_checksum_mismatch(server, tmp_path):
    result = run_cli(tmp_path, {"url": server.url, "md5": WRONG_MD5})
    line = last_line(result.stderr)
    assert result.returncode == 1
    assert line.startswith(f"tinyclr download: error: md5 mismatch for {server.url}")
    assert f"expected {WRONG_MD5}, got {PAYLOAD_MD5}" in line
    assert not (tmp_path / "raw").exists() or leftovers(tmp_path / "raw" / "tiny.zip") == []


def test_cli_unreachable(closed_url, tmp_path):
    result = run_cli(tmp_path, {"url": closed_url, "retries": 1, "backoff_s": 0.05})
    line = last_line(result.stderr)
    assert result.returncode == 1
    assert line.startswith(f"tinyclr download: error: could not download {closed_url}")
    assert "dvc exp run -S data.url=" in line
    assert "attempt 1 of 2 failed" in result.stderr
    assert not (tmp_path / "raw" / "tiny.zip").exists()


def test_cli_missing_local_file(tmp_path):
    result = run_cli(tmp_path, {"url": "nowhere/tiny.zip"})
    line = last_line(result.stderr)
    assert result.returncode == 1
    assert line == (
        "tinyclr download: error: source file nowhere/tiny.zip not found "
        "(data.url = nowhere/tiny.zip): fix data.url"
    )


def test_cli_invalid_params(tmp_path):
    result = run_cli(tmp_path, {"url": "copy.zip", "retries": "many"})
    line = last_line(result.stderr)
    assert result.returncode == 1
    assert line == "tinyclr download: error: data.retries = 'many' is invalid: expected an integer"
    assert not (tmp_path / "raw").exists()


@pytest.mark.parametrize(
    ("error", "permanent"),
    [
        (urllib.error.URLError(socket.gaierror(socket.EAI_NONAME, "Name not known")), True),
        (urllib.error.URLError(socket.gaierror(socket.EAI_AGAIN, "Temporary failure")), False),
        (urllib.error.URLError(ConnectionRefusedError(111, "Connection refused")), False),
        (TimeoutError("timed out"), False),
    ],
)
def test_only_unknown_host_is_permanent(error, permanent):
    assert unknown_host(error) is permanent
