from paths.names import basename, extension, is_image, stem


def test_basename():
    assert basename("docs/guide/intro.md") == "intro.md"


def test_simple_extension():
    assert extension("report.pdf") == "pdf"


def test_upper_case():
    assert extension("photos/IMG_0001.JPG") == "jpg"


def test_no_extension():
    assert extension("Makefile") == ""
    assert extension(".bashrc") == ""


def test_double_extension():
    assert extension("backup.tar.gz") == "gz"


def test_stem():
    assert stem("backup.tar.gz") == "backup.tar"


def test_is_image():
    assert is_image("holiday.2023.png")
