import zipfile
import io

import pytest

from webhookstack.stack.package import build_package


def test_same_code_gives_the_same_hash_whatever_the_file_times(tmp_path):
    (tmp_path / "app.py").write_text("x = 1\n")
    first = build_package(tmp_path).code_sha256
    (tmp_path / "app.py").touch()
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "app.cpython-313.pyc").write_bytes(b"junk")
    assert build_package(tmp_path).code_sha256 == first


def test_changed_code_changes_the_hash(tmp_path):
    (tmp_path / "app.py").write_text("x = 1\n")
    first = build_package(tmp_path).code_sha256
    (tmp_path / "app.py").write_text("x = 2\n")
    assert build_package(tmp_path).code_sha256 != first


def test_package_holds_the_handler_files_only(tmp_path):
    (tmp_path / "app.py").write_text("x = 1\n")
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "util.py").write_text("y = 2\n")
    names = zipfile.ZipFile(io.BytesIO(build_package(tmp_path).zip_bytes)).namelist()
    assert names == ["app.py", "lib/util.py"]


def test_missing_or_empty_code_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        build_package(tmp_path / "nope")
    with pytest.raises(ValueError, match="empty"):
        build_package(tmp_path)
