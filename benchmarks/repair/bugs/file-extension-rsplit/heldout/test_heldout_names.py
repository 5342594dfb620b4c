import pytest

from paths.names import extension, stem


@pytest.mark.parametrize(
    ("path", "ext"),
    [
        ("a.b.c.d", "d"),
        ("v1.2/notes.txt", "txt"),
        ("v1.2/README", ""),
        (".config.local.yaml", "yaml"),
        ("..hidden", ""),
        ("x.", ""),
        ("my.report.final.DOCX", "docx"),
    ],
)
def test_extension(path, ext):
    assert extension(path) == ext


def test_stems():
    assert stem("data.2024.csv") == "data.2024"
    assert stem("dir/file") == "file"
    assert stem(".vimrc") == ".vimrc"
