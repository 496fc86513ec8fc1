"""``download`` stage: fetch the Tiny ImageNet zip, check its md5 and move it into place.

The source (``data.url``) is an http(s) URL, a file:// URL or a local path, where a relative path
is taken from the current directory. A local source is copied through a temporary file.

An HTTP download is written to ``<out>.part``. After a dropped connection, the next attempt of the
same run, or a later run, resumes it with a Range request. ``<out>.part.json`` records the URL and
the server's validator (ETag or Last-Modified), so a partial file is continued only from the same
URL and only while the file on the server is unchanged.

Only a complete file whose md5 matches ``data.md5`` is renamed onto ``<out>``. An older file at
``<out>`` is deleted before the work starts, so a failed run leaves no file there.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import logging
import os
import re
import socket
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from tqdm import tqdm

from tinyclr import __version__
from tinyclr.config import ConfigError, load_section, to_dict
from tinyclr.errors import StageError
from tinyclr.files import atomic_path, file_md5, write_json

log = logging.getLogger(__name__)

# Official archive of Tiny ImageNet (Le and Yang, 2015) and the md5 of that zip.
DEFAULT_URL = "http://cs231n.stanford.edu/tiny-imagenet-200.zip"
DEFAULT_MD5 = "90528d7ca1a48142e341f4ef8d21d0de"

CHUNK_BYTES = 1 << 18
MAX_BACKOFF_S = 60.0
URL_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")
LOCAL_COPY_HINT = (
    "to use a local copy, set data.url to its path or file:// URL, and data.md5 to its md5 or "
    "null for a copy that is not the official archive (dvc exp run "
    "-S data.url=/path/to/tiny-imagenet-200.zip -S data.md5=null, or edit params.yaml)"
)

# Failures that another attempt may cure: refused or reset connections, DNS failures,
# timeouts and responses cut short. HTTPError is a URLError, so a permanent HTTP status is
# turned into a StageError before it can reach the retry loop.
NETWORK_ERRORS = (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError)
RETRIABLE_STATUS = {408, 429, 500, 502, 503, 504}


@dataclass(frozen=True)
class DataConfig:
    """The ``data`` section of params.yaml."""

    url: str = DEFAULT_URL
    # None skips the check, and the computed md5 is logged either way.
    md5: str | None = DEFAULT_MD5
    # Applies to connecting and to each read, not to the whole download.
    timeout_s: float = field(default=60.0, metadata={"gt": 0, "max": 3600})
    # Attempts after the first one. Every failed attempt counts, also one that made progress.
    retries: int = field(default=5, metadata={"min": 0, "max": 100})
    # The wait before retry k is backoff_s * 2**(k - 1), at most MAX_BACKOFF_S.
    backoff_s: float = field(default=2.0, metadata={"min": 0, "max": MAX_BACKOFF_S})

    def __post_init__(self) -> None:
        if self.md5 is not None and not re.fullmatch(r"[0-9a-fA-F]{32}", self.md5):
            raise ConfigError(
                f"data.md5 = {self.md5!r} is invalid: expected 32 hexadecimal digits, "
                "or null to skip the check"
            )
        match = URL_SCHEME.match(self.url)
        if match and match.group(1).lower() not in ("http", "https", "file"):
            raise ConfigError(
                f"data.url = {self.url!r} is invalid: use an http://, https:// or file:// URL "
                "or a local path"
            )


# Appended to the generated list of data keys in --help.
EPILOG = (
    "data.url is an http(s) URL, a file:// URL or a local path. data.md5 is a hex digest, or null "
    "to skip the check. data.timeout_s is in seconds per connect or read. data.retries counts "
    "attempts after the first. data.backoff_s is the wait in seconds before the first retry, "
    f"doubled for each further retry up to {MAX_BACKOFF_S:g}."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        default=argparse.SUPPRESS,
        help="path of the verified zip; an HTTP download in progress is kept at OUT.part",
    )


def run(args: argparse.Namespace) -> None:
    config = load_section(args.params, "data", DataConfig)
    log.info("config: %s", to_dict(config))
    download(config, args.out)


def download(config: DataConfig, out: Path) -> str:
    """Place the zip named by ``config.url`` at ``out`` and return its md5.

    Raises StageError when the source is missing or unreachable, or its md5 does not match.
    """
    out = Path(out)
    match = URL_SCHEME.match(config.url)
    scheme = match.group(1).lower() if match else ""
    source = None if scheme in ("http", "https") else local_source(config.url, scheme)
    if source is not None and out.exists() and source.exists() and source.samefile(out):
        actual = file_md5(out)
        check_md5(actual, config.md5, str(out), "the file was left in place")
        return actual

    if config.md5 is not None and out.is_file() and file_md5(out) == config.md5.lower():
        log.info("%s is already present with md5 %s", out, config.md5.lower())
        return config.md5.lower()
    if out.exists():
        log.info("deleting %s before fetching it again", out)
        out.unlink()

    if source is None:
        return download_http(config, out)
    return copy_local(config, source, out)


def local_source(url: str, scheme: str) -> Path:
    """Return the file that a file:// URL or a local path names."""
    if scheme != "file":
        return Path(url).expanduser()
    parts = urllib.parse.urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise StageError(
            f"file URL {url} names host {parts.netloc!r}: only local files are supported, "
            "use file:///absolute/path"
        )
    return Path(urllib.request.url2pathname(parts.path))


def copy_local(config: DataConfig, source: Path, out: Path) -> str:
    """Copy ``source`` to ``out`` through a temporary file, checking its md5 on the way."""
    if not source.is_file():
        reason = "is not a file" if source.exists() else "not found"
        raise StageError(f"source file {source} {reason} (data.url = {config.url}): fix data.url")

    digest = hashlib.md5()
    size = source.stat().st_size
    with atomic_path(out) as temporary:
        try:
            with open(source, "rb") as reader, open(temporary, "wb") as writer:
                with progress_bar(size, 0, source.name) as bar:
                    while chunk := reader.read(CHUNK_BYTES):
                        digest.update(chunk)
                        writer.write(chunk)
                        bar.update(len(chunk))
        except OSError as error:
            raise StageError(f"copying {source} to {out} failed: {error}") from error
        check_md5(
            digest.hexdigest(), config.md5, str(source), f"{out} was not written, {source} is kept"
        )
    return digest.hexdigest()


def download_http(config: DataConfig, out: Path) -> str:
    """Download ``config.url`` to ``out`` with retries, resuming from ``<out>.part``."""
    created_folder = not out.parent.exists()
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = PartialDownload(out, config.url)
    attempts = config.retries + 1
    for attempt in range(1, attempts + 1):
        try:
            fetch_into(partial, config.timeout_s)
            break
        except NETWORK_ERRORS as error:
            last_error = describe_error(error)
            if unknown_host(error):
                # The resolver reported that the name does not exist, and another attempt will
                # not change that. A resolver that could not be reached (EAI_AGAIN) is retried.
                attempts = attempt
            if attempt == attempts:
                if partial.size():
                    log.info("kept %d bytes in %s for the next run", partial.size(), partial.path)
                else:
                    # Nothing arrived, so nothing is kept, not even the folder made for it.
                    partial.discard()
                    if created_folder and not any(out.parent.iterdir()):
                        out.parent.rmdir()
                tried = "1 attempt failed"
                if attempts > 1:
                    tried = f"{attempts} attempts failed, the last"
                raise StageError(
                    f"could not download {config.url}: {tried} with: {last_error}; "
                    f"{LOCAL_COPY_HINT}"
                ) from error
            delay = min(config.backoff_s * 2 ** (attempt - 1), MAX_BACKOFF_S)
            log.warning(
                "attempt %d of %d failed: %s; retrying in %.1f s",
                attempt,
                attempts,
                last_error,
                delay,
            )
            time.sleep(delay)
        except OSError as error:
            # Network errors are caught above, so an OSError left here almost always comes from
            # the local disk (full, read-only).
            raise StageError(f"writing {partial.path} failed: {error}") from error

    actual = file_md5(partial.path)
    try:
        check_md5(actual, config.md5, config.url, "the download was deleted")
    except StageError:
        partial.discard()
        raise
    os.replace(partial.path, out)
    partial.record.unlink(missing_ok=True)
    return actual


class PartialDownload:
    """An HTTP download in progress at ``<out>.part``, with its source in ``<out>.part.json``.

    A partial file left by an earlier run is kept only when the record names the same URL.
    The record also stores the server's validator, sent as If-Range when resuming. A server
    whose file changed then sends the whole new file instead of the rest of the old one.
    """

    def __init__(self, out: Path, url: str):
        self.path = out.with_name(out.name + ".part")
        self.record = out.with_name(out.name + ".part.json")
        self.url = url
        self.validator: str | None = None
        if not self.path.exists():
            return
        saved = self._read_record()
        if saved is None or saved.get("url") != url:
            log.info("discarding %s: it was downloaded from another URL", self.path)
            self.discard()
            return
        self.validator = saved.get("validator")
        log.info("resuming %s from byte %d", self.path, self.size())

    def size(self) -> int:
        return self.path.stat().st_size if self.path.exists() else 0

    def restart(self, validator: str | None) -> BinaryIO:
        """Truncate the partial file for a download from byte 0 and open it for writing."""
        self.validator = validator
        write_json(self.record, {"url": self.url, "validator": validator})
        return open(self.path, "wb")

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)
        self.record.unlink(missing_ok=True)

    def _read_record(self) -> dict | None:
        try:
            saved = json.loads(self.record.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return saved if isinstance(saved, dict) else None


def fetch_into(partial: PartialDownload, timeout_s: float) -> None:
    """Try once to complete ``partial``, letting network errors propagate to the retry loop."""
    offset = partial.size()
    headers = {"User-Agent": f"tinyclr/{__version__}"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
        if partial.validator:
            headers["If-Range"] = partial.validator
    request = urllib.request.Request(partial.url, headers=headers)

    try:
        response = urllib.request.urlopen(request, timeout=timeout_s)
    except urllib.error.HTTPError as error:
        error.close()
        if error.code == 416 and offset:
            # The partial file is as long as the remote one, or longer: a run was stopped
            # after the last byte but before the rename, or the file on the server shrank.
            if parse_content_range(error.headers.get("Content-Range", ""))[2] == offset:
                return
            log.warning("server rejected resuming at byte %d (HTTP 416); starting over", offset)
            partial.discard()
            return fetch_into(partial, timeout_s)
        if error.code in RETRIABLE_STATUS:
            raise
        raise StageError(
            f"{partial.url} returned HTTP {error.code} {error.reason}: check data.url; "
            f"{LOCAL_COPY_HINT}"
        ) from error

    with response:
        if response.status == 206:
            start, _, total = parse_content_range(response.headers.get("Content-Range", ""))
            if start != offset:
                partial.discard()
                raise http.client.HTTPException(
                    f"server resumed at byte {start} instead of {offset}; starting over"
                )
            writer = open(partial.path, "ab")
        else:
            if offset:
                log.warning("server sent the whole file (HTTP %d); starting over", response.status)
                offset = 0
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            writer = partial.restart(strong_validator(response.headers))

        received = offset
        with writer, progress_bar(total, offset, Path(partial.url).name) as bar:
            while chunk := response.read1(CHUNK_BYTES):
                writer.write(chunk)
                received += len(chunk)
                bar.update(len(chunk))

    # http.client returns a short body without raising when the connection closes early.
    if total is not None and received < total:
        raise ConnectionError(f"connection closed after {received} of {total} bytes")


def parse_content_range(value: str) -> tuple[int | None, int | None, int | None]:
    """Return (first byte, last byte, total size) of a Content-Range header, None where absent."""
    match = CONTENT_RANGE.fullmatch(value.strip())
    if match is None:
        unsatisfied = re.fullmatch(r"bytes \*/(\d+)", value.strip())
        return None, None, int(unsatisfied.group(1)) if unsatisfied else None
    first, last, total = match.groups()
    return int(first), int(last), None if total == "*" else int(total)


def strong_validator(headers: http.client.HTTPMessage) -> str | None:
    """Return the response's ETag, or its Last-Modified date when the ETag is weak or absent.

    If-Range accepts only a strong validator (RFC 9110, section 13.1.5).
    """
    etag = headers.get("ETag")
    if etag and not etag.startswith("W/"):
        return etag
    return headers.get("Last-Modified")


def unknown_host(error: BaseException) -> bool:
    """Return whether ``error`` is a DNS response that the host name does not exist."""
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    return isinstance(reason, socket.gaierror) and reason.errno == socket.EAI_NONAME


def describe_error(error: BaseException) -> str:
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code} {error.reason}"
    if isinstance(error, urllib.error.URLError):
        return str(error.reason)
    return str(error) or type(error).__name__


def check_md5(actual: str, expected: str | None, source: str, outcome: str) -> None:
    """Log the md5 of ``source`` and raise StageError unless it matches ``expected``.

    ``outcome`` is the part of the message that states what happened to the rejected file.
    """
    log.info("md5 of %s: %s", source, actual)
    if expected is None or actual == expected.lower():
        return
    raise StageError(
        f"md5 mismatch for {source}: expected {expected.lower()}, got {actual}; {outcome}. "
        "Check data.url, or set data.md5 to the right digest (null skips the check)"
    )



def progress_bar(total: int | None, initial: int, name: str) -> tqdm:
    return tqdm(
        total=total,
        initial=initial,
        desc=name,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        file=sys.stderr,
        mininterval=0.5,
    )
