"""Data paths as the published chapters show them: `${SEQREC_DATA_DIR}/...` loads, an unset
variable is an error that names it."""
import pytest

from seqrec import data
from seqrec.errors import ConfigError


def test_a_path_with_an_environment_variable_is_expanded(tmp_path, monkeypatch):
    rows = ["user_id\tpoi_id\tminutes"] + [f"{u}\t{i}\t{10 * k}" for u in (1, 2) for k, i in
                                           enumerate((1, 2, 3, 1, 2))]
    (tmp_path / "nyc.tsv").write_text("\n".join(rows) + "\n")
    monkeypatch.setenv("SEQREC_DATA_DIR", str(tmp_path))
    df = data.read_raw("fs-nyc", "${SEQREC_DATA_DIR}/nyc.tsv")
    assert len(df) == 10
    monkeypatch.delenv("SEQREC_DATA_DIR")
    with pytest.raises(ConfigError, match="environment variable that is not set"):
        data.read_raw("fs-nyc", "${SEQREC_DATA_DIR}/nyc.tsv")
