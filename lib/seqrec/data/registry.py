"""The datasets the book knows by name, and where their canonical archives live.

Checksums and expected counts come from the data README (`shared/data/README.md`, section 2).
MovieLens 1M has an official MD5 beside the archive. The TSMC2014 Foursquare archive has none,
so the archive itself is not checked; instead the extracted NYC / TKY text file is compared with
a third-party SHA-256 fingerprint (see `download.verify_member`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import unknown


@dataclass(frozen=True)
class DatasetSpec:
    """Where a dataset comes from and how to check it."""

    name: str                        # registry name, e.g. "ml-1m"
    title: str                       # human name for messages
    label: str = ""                  # short name in tables and figures, e.g. "ML-1M"
    url: str | None = None           # canonical archive URL (None: generated, nothing to download)
    url_env: str | None = None       # env variable that overrides `url` (mirrors, local tests)
    archive: str | None = None       # file name of the archive in the cache folder
    archive_hash: str | None = None  # pooch-style "md5:..." of the archive, None when unknown
    member: str | None = None        # path of the interactions file inside the archive
    member_sha256: str | None = None  # fingerprint of that member (archives without a checksum)
    mirrors: tuple[str, ...] = ()    # other published URLs with the same file, for messages
    expected_raw: dict = field(default_factory=dict)  # users / items / interactions before filtering
    expected_filtered: dict = field(default_factory=dict)  # the same after the paper's filter


TSMC2014_URL = "http://www-public.imtbs-tsp.eu/~zhang_da/pub/dataset_tsmc2014.zip"
TSMC2014_MIRRORS = (
    "http://www-public.it-sudparis.eu/~zhang_da/pub/dataset_tsmc2014.zip",
    "http://www-public.tem-tsp.eu/~zhang_da/pub/dataset_tsmc2014.zip",
)

DATASETS: dict[str, DatasetSpec] = {
    "ml-1m": DatasetSpec(
        name="ml-1m",
        label="ML-1M",
        title="MovieLens 1M",
        url="https://files.grouplens.org/datasets/movielens/ml-1m.zip",
        url_env="SEQREC_URL_ML_1M",
        archive="ml-1m.zip",
        archive_hash="md5:c4d9eecfca2ab87c1945afe126590906",
        member="ml-1m/ratings.dat",
        expected_raw={"users": 6040, "items": 3706, "interactions": 1000209},
        expected_filtered={"users": 6040, "items": 3416, "interactions": 999611},  # the paper's sizes
    ),
    "fs-nyc": DatasetSpec(
        name="fs-nyc",
        label="FS-NYC",
        title="Foursquare NYC (TSMC2014)",
        url=TSMC2014_URL,
        url_env="SEQREC_URL_TSMC2014",
        archive="dataset_tsmc2014.zip",
        member="dataset_tsmc2014/dataset_TSMC2014_NYC.txt",
        member_sha256="2f39ce698e5bff6683c74bec30c436cc022c160b0f3d73c5268b55491b2445f9",
        mirrors=TSMC2014_MIRRORS,
        expected_raw={"users": 1083, "items": 38333, "interactions": 227428},
    ),
    "fs-tky": DatasetSpec(
        name="fs-tky",
        label="FS-TKY",
        title="Foursquare Tokyo (TSMC2014)",
        url=TSMC2014_URL,
        url_env="SEQREC_URL_TSMC2014",
        archive="dataset_tsmc2014.zip",
        member="dataset_tsmc2014/dataset_TSMC2014_TKY.txt",
        member_sha256="85542c605ce708d8584637756590383a84e9bbdb71342d0d8e78858ba2a0e5c8",
        mirrors=TSMC2014_MIRRORS,
        expected_raw={"users": 2293, "items": 61858, "interactions": 573703},
    ),
    "synthetic": DatasetSpec(
        name="synthetic",
        label="Synthetic",
        title="synthetic sequences (random walks on a sparse item graph)",
    ),
}


def get_spec(name: str) -> DatasetSpec:
    """The spec of dataset `name`; ConfigError listing the valid names otherwise."""
    try:
        return DATASETS[name]
    except (KeyError, TypeError):
        raise unknown("dataset", name, DATASETS) from None
