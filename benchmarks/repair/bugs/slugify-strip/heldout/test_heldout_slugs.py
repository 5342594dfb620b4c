import pytest

from textkit.slugs import slugify, unique_slug


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("  leading spaces", "leading-spaces"),
        ("...and then", "and-then"),
        ("#1 hit", "1-hit"),
        ("-dashes-", "dashes"),
        ("!!!", ""),
        ("C'est la vie", "c-est-la-vie"),
        ("2024: a review", "2024-a-review"),
    ],
)
def test_slugs(title, slug):
    assert slugify(title) == slug


def test_cut_at_a_separator():
    assert slugify("ab cd", max_length=3) == "ab"


def test_no_dash_at_either_end():
    for title in ["?x?", "(y)", "--z--", " a b "]:
        slug = slugify(title)
        assert not slug.startswith("-")
        assert not slug.endswith("-")


def test_unique_slug_with_punctuation():
    assert unique_slug("(Draft) notes", {"draft-notes"}) == "draft-notes-2"
