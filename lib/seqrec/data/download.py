"""Download the canonical archives with pooch, check them, and keep them in a cache folder.

Cache folder: the `cache_dir` argument, else `$SEQREC_CACHE`, else `~/.cache/seqrec`.
Archive URL: the registry's canonical URL unless the dataset's env variable overrides it
(`SEQREC_URL_ML_1M`, `SEQREC_URL_TSMC2014`), e.g. for a mirror or a test server on 127.0.0.1.

pooch streams every download into a temporary file in the cache folder and only moves it into
place once complete and (when a checksum is known) verified, so an interrupted download or a
checksum mismatch never leaves a corrupt archive behind. An archive already in the cache is reused
(after its checksum is checked), so a user without internet access can put it there by hand.
"""
from __future__ import annotations

import hashlib
import os
import sys
import warnings
import zipfile
from pathlib import Path

import requests  # pooch's own HTTP client: its exceptions are what a failed download raises
from tqdm import TqdmWarning

with warnings.catch_warnings():
    # pooch imports tqdm.auto, which in a Jupyter kernel without ipywidgets warns "IProgress not
    # found" on every chapter page; downloads here draw a progress bar only on a terminal
    # (`progressbar=sys.stderr.isatty()` below), never a notebook widget
    warnings.filterwarnings("ignore", message="IProgress not found", category=TqdmWarning)
    import pooch

from ..errors import DataError
from .readers import zip_member
from .registry import DatasetSpec

CACHE_ENV = "SEQREC_CACHE"
DOWNLOAD_TIMEOUT_S = 60


def cache_dir(path=None) -> Path:
    """The cache folder: argument > $SEQREC_CACHE > ~/.cache/seqrec."""
    chosen = path or os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "seqrec"
    return Path(chosen).expanduser()


def archive_url(spec: DatasetSpec) -> str:
    """The URL the archive is downloaded from (env override first)."""
    return (os.environ.get(spec.url_env) if spec.url_env else None) or spec.url


def archive_path(spec: DatasetSpec, cache=None) -> Path:
    """Where the archive of `spec` lives in the cache."""
    return cache_dir(cache) / spec.archive


def manual_steps(spec: DatasetSpec, cache=None) -> str:
    """What to do by hand: what to download, from where, where to put it."""
    url = archive_url(spec)
    override = (f" (this session fetches it from {url}, set by ${spec.url_env})"
                if url != spec.url else "")
    mirrors = f" (mirrors: {', '.join(spec.mirrors)})" if spec.mirrors else ""
    return (f"download the {spec.title} archive from {spec.url}{mirrors}{override} and put it at "
            f"{archive_path(spec, cache)}, where it is used without downloading (the cache folder "
            f"is set by cache_dir= / --cache-dir or ${CACHE_ENV}); or pass an interactions file "
            "you already have with file= / --file")


def fetch(spec: DatasetSpec, cache=None) -> Path:
    """Path of the verified archive of `spec` in the cache, downloading it if needed."""
    folder = cache_dir(cache)
    url = archive_url(spec)
    downloader = (pooch.HTTPDownloader(progressbar=sys.stderr.isatty(), timeout=DOWNLOAD_TIMEOUT_S)
                  if url.startswith(("http://", "https://")) else None)
    try:
        path = Path(pooch.retrieve(url, known_hash=spec.archive_hash, fname=spec.archive,
                                   path=folder, downloader=downloader))
    except ValueError as e:                       # pooch: hash of the download does not match
        raise DataError(
            f"checksum mismatch for {spec.title}: the file downloaded from {url} does not match "
            f"the published {spec.archive_hash} ({e}); it was deleted, nothing corrupt was kept. "
            f"Retry later or from another mirror, or {manual_steps(spec, cache)}") from None
    except requests.RequestException as e:
        raise DataError(f"could not download {spec.title} from {url} ({type(e).__name__}: {e}); "
                        f"nothing was kept in the cache. Check the connection and retry, or "
                        f"{manual_steps(spec, cache)}") from None
    except OSError as e:
        raise DataError(f"cannot write the {spec.title} archive to the cache folder {folder} "
                        f"({e}); choose a writable folder with cache_dir= / --cache-dir or "
                        f"${CACHE_ENV}") from None
    if not zipfile.is_zipfile(path):              # e.g. an HTML error page served as the archive
        path.unlink(missing_ok=True)
        raise DataError(f"the file downloaded from {url} is not a zip archive (truncated, or an "
                        f"error page); it was deleted. Retry, or {manual_steps(spec, cache)}")
    return path


def sha256_of_member(archive: Path, member: str) -> str:
    """SHA-256 of one member of a zip archive, streamed (no extraction)."""
    digest = hashlib.sha256()
    with zipfile.ZipFile(archive) as zf, zf.open(member) as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_member(spec: DatasetSpec, archive: Path) -> None:
    """Check the interactions file inside an archive without an official checksum (TSMC2014)."""
    if not spec.member_sha256:
        return
    member = zip_member(archive, spec.member)      # tolerant of the folder inside the zip
    try:
        got = sha256_of_member(archive, member)
    except (zipfile.BadZipFile, EOFError, OSError) as e:
        raise DataError(f"archive {archive} is corrupt ({e}); delete it and retry, "
                        f"or {manual_steps(spec, archive.parent)}") from None
    if got != spec.member_sha256:
        raise DataError(
            f"checksum mismatch: {member} in {archive} has sha256 {got}, expected "
            f"{spec.member_sha256} (a third-party fingerprint: the archive has no official "
            f"checksum). If the download was damaged, delete {archive} and retry; if you trust "
            f"this copy, read it without the check with file={str(archive)!r} "
            f"(--file {archive})")
