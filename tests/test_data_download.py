"""Download path, served from a local HTTP server on 127.0.0.1 (no test reaches the internet)."""
from __future__ import annotations

import dataclasses
import hashlib
import io
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from seqrec.data import DATASETS, cache_dir, ensure_available, load
from seqrec.data.__main__ import main
from seqrec.errors import DataError

TSMC_FIXTURE = Path(__file__).parent / "fixtures" / "tsmc2014_tiny.txt"


def ml1m_zip() -> bytes:
    """A tiny archive in the canonical layout: ml-1m/ratings.dat (6 users x 5 movies)."""
    lines = [f"{u}::{m}::{1 + (u + m) % 5}::{978300000 + 10 * u + m}"
             for u in range(1, 7) for m in (10, 20, 30, 40, 50)]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ml-1m/ratings.dat", "\n".join(lines) + "\n")
        zf.writestr("ml-1m/movies.dat", "10::GoldenEye (1995)::Action\n")
    return buf.getvalue()


def tsmc_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("dataset_tsmc2014/dataset_TSMC2014_NYC.txt", TSMC_FIXTURE.read_bytes())
        zf.writestr("dataset_tsmc2014/dataset_TSMC2014_TKY.txt", TSMC_FIXTURE.read_bytes()[:400])
        zf.writestr("dataset_tsmc2014/dataset_TSMC2014_readme.txt", "readme")
    return buf.getvalue()


class Handler(BaseHTTPRequestHandler):
    """Serves server.routes[path] = (body, mode); mode 'drop' closes the connection half-way."""

    def do_GET(self):
        body, mode = self.server.routes.get(self.path, (None, None))
        self.server.hits.append(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if mode == "drop":
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.routes, httpd.hits = {}, []
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    httpd.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


@pytest.fixture
def tiny_ml1m(monkeypatch, server):
    """Serve the tiny ml-1m.zip and register its md5 as the published checksum."""
    blob = ml1m_zip()
    server.routes["/ml-1m.zip"] = (blob, "ok")
    monkeypatch.setenv("SEQREC_URL_ML_1M", server.base + "/ml-1m.zip")
    spec = dataclasses.replace(DATASETS["ml-1m"], archive_hash="md5:" + hashlib.md5(blob).hexdigest())
    monkeypatch.setitem(DATASETS, "ml-1m", spec)
    return blob


def test_download_verify_cache_and_reuse(tiny_ml1m, server, tmp_path):
    cache = tmp_path / "cache"
    data = load("ml-1m", cache_dir=cache)
    assert (data.num_users, data.num_items, data.num_interactions) == (6, 5, 30)
    assert (cache / "ml-1m.zip").read_bytes() == tiny_ml1m
    assert data.info["source"] == f"{cache / 'ml-1m.zip'}!ml-1m/ratings.dat"
    assert data.info["url"] == server.base + "/ml-1m.zip"
    # user 1 rated movies 10..50 at increasing times
    assert data.items[:5].tolist() == [1, 2, 3, 4, 5]
    # second load: served from the cache, the server is not asked again
    load("ml-1m", cache_dir=cache)
    assert server.hits == ["/ml-1m.zip"]


def test_checksum_mismatch_is_clear_and_leaves_nothing(monkeypatch, server, tmp_path):
    server.routes["/ml-1m.zip"] = (ml1m_zip(), "ok")         # not the published archive
    monkeypatch.setenv("SEQREC_URL_ML_1M", server.base + "/ml-1m.zip")
    cache = tmp_path / "cache"
    with pytest.raises(DataError) as err:
        load("ml-1m", cache_dir=cache)
    msg = str(err.value)
    assert "checksum mismatch" in msg and "c4d9eecfca2ab87c1945afe126590906" in msg
    assert str(cache / "ml-1m.zip") in msg                     # where to put a manual download
    assert list(cache.iterdir()) == []


def test_dropped_connection_is_clear_and_leaves_nothing(tiny_ml1m, server, tmp_path):
    server.routes["/ml-1m.zip"] = (tiny_ml1m, "drop")
    cache = tmp_path / "cache"
    with pytest.raises(DataError, match="could not download MovieLens 1M .*nothing was kept"):
        load("ml-1m", cache_dir=cache)
    assert list(cache.iterdir()) == []


def test_unreachable_server_says_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setenv("SEQREC_URL_ML_1M", "http://127.0.0.1:9/ml-1m.zip")   # discard port: closed
    with pytest.raises(DataError) as err:
        load("ml-1m", cache_dir=tmp_path)
    msg = str(err.value)
    assert "http://127.0.0.1:9/ml-1m.zip" in msg and str(tmp_path / "ml-1m.zip") in msg
    assert DATASETS["ml-1m"].url in msg and "$SEQREC_URL_ML_1M" in msg


def test_tsmc_download_checks_member_fingerprint(monkeypatch, server, tmp_path):
    server.routes["/tsmc.zip"] = (tsmc_zip(), "ok")
    monkeypatch.setenv("SEQREC_URL_TSMC2014", server.base + "/tsmc.zip")
    # the real fingerprint does not match the fixture: a clear error naming both hashes
    with pytest.raises(DataError, match="checksum mismatch.*third-party fingerprint.*--file"):
        load("fs-nyc", cache_dir=tmp_path, filter="none")
    # with the fixture's fingerprint registered, the NYC member is read from the cached zip
    spec = DATASETS["fs-nyc"]
    monkeypatch.setitem(DATASETS, "fs-nyc", dataclasses.replace(
        spec, member_sha256=hashlib.sha256(TSMC_FIXTURE.read_bytes()).hexdigest()))
    data = load("fs-nyc", cache_dir=tmp_path, filter="none")
    assert data.num_interactions == 12 and data.info["format"] == "tsmc2014"
    assert server.hits == ["/tsmc.zip"]                        # archive reused from the cache


def test_tsmc_download_of_a_non_zip_is_deleted(monkeypatch, server, tmp_path):
    server.routes["/tsmc.zip"] = (b"<html>moved</html>", "ok")
    monkeypatch.setenv("SEQREC_URL_TSMC2014", server.base + "/tsmc.zip")
    with pytest.raises(DataError, match="not a zip archive"):
        load("fs-tky", cache_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_http_error_is_clear(monkeypatch, server, tmp_path):
    monkeypatch.setenv("SEQREC_URL_TSMC2014", server.base + "/gone.zip")
    with pytest.raises(DataError, match="could not download .*404"):
        load("fs-tky", cache_dir=tmp_path)


def test_cache_dir_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("SEQREC_CACHE", str(tmp_path / "env"))
    assert cache_dir(tmp_path / "arg") == tmp_path / "arg"
    assert cache_dir() == tmp_path / "env"
    monkeypatch.delenv("SEQREC_CACHE")
    assert cache_dir() == Path.home() / ".cache" / "seqrec"


def test_cli_download(tiny_ml1m, tmp_path, capsys):
    assert main(["download", "ml-1m", "--cache-dir", str(tmp_path)]) == 0
    assert str(tmp_path / "ml-1m.zip") in capsys.readouterr().out
    assert main(["download", "synthetic"]) == 2
    assert "nothing to download" in capsys.readouterr().err


def test_ensure_available_tries_each_archive_once_and_says_what_to_do(monkeypatch, server, tmp_path):
    """An empty cache and no archive to be had (the server answers 404): one problem per
    dataset, each with its archive's URL and cache path, and one try per archive (FS-NYC and
    FS-TKY share theirs)."""
    monkeypatch.setenv("SEQREC_URL_ML_1M", server.base + "/ml-1m.zip")
    monkeypatch.setenv("SEQREC_URL_TSMC2014", server.base + "/tsmc.zip")
    problems = ensure_available({"fs-nyc": None, "fs-tky": None, "ml-1m": None, "synthetic": None},
                                cache=tmp_path)
    assert list(problems) == ["fs-nyc", "fs-tky", "ml-1m"]             # synthetic needs nothing
    assert sorted(server.hits) == ["/ml-1m.zip", "/tsmc.zip"]
    for name, why in problems.items():
        spec = DATASETS[name]
        assert spec.url in why and str(tmp_path / spec.archive) in why and "--file" in why
    assert "could not download Foursquare NYC" in problems["fs-nyc"]
    assert "Foursquare Tokyo" in problems["fs-tky"] and "fs-nyc" in problems["fs-tky"]


def test_ensure_available_passes_cached_archives_and_readable_files(tiny_ml1m, monkeypatch, server,
                                                                     tmp_path):
    (tmp_path / "ml-1m.zip").write_bytes(tiny_ml1m)                    # cached, checksum matches
    (tmp_path / "dataset_tsmc2014.zip").write_bytes(tsmc_zip())        # cached (no checksum)
    monkeypatch.setenv("SEQREC_URL_TSMC2014", server.base + "/tsmc.zip")
    copy = tmp_path / "copy.tsv"
    copy.write_text("user\titem\ttime\n")
    assert ensure_available({"ml-1m": None, "fs-nyc": None, "fs-tky": str(copy)},
                            cache=tmp_path) == {}
    assert server.hits == []                                           # nothing downloaded
    missing = ensure_available({"fs-tky": str(tmp_path / "nope.tsv")}, cache=tmp_path)
    assert str(tmp_path / "nope.tsv") in missing["fs-tky"] and "not there" in missing["fs-tky"]


def test_ensure_available_downloads_what_the_cache_lacks(tiny_ml1m, server, tmp_path):
    assert ensure_available({"ml-1m": None}, cache=tmp_path) == {}
    assert (tmp_path / "ml-1m.zip").read_bytes() == tiny_ml1m and server.hits == ["/ml-1m.zip"]
