from textkit.slugs import slugify, unique_slug


def test_simple_title():
    assert slugify("Hello World") == "hello-world"


def test_punctuation_at_the_end():
    assert slugify("Hello, World!") == "hello-world"


def test_accents():
    assert slugify("Crème brûlée") == "creme-brulee"


def test_max_length():
    assert slugify("a very long title indeed", max_length=6) == "a-very"


def test_unique_slug():
    assert unique_slug("Hello World", {"hello-world", "hello-world-2"}) == "hello-world-3"


def test_spaces_at_the_start():
    assert slugify("  Hello World") == "hello-world"


def test_quoted_title():
    assert slugify('"Quoted" title') == "quoted-title"
