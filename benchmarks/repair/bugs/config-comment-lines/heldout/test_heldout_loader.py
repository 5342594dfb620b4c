from settings.loader import content_lines, get_bool, load


def test_content_lines():
    assert content_lines("# c\n\n  x = 1  \n\t# d\ny=2") == ["x = 1", "y=2"]


def test_only_comments():
    assert load("# a = 1\n# b = 2\n") == {}


def test_commented_out_setting_is_ignored():
    assert load("timeout = 5\n# timeout = 10\n") == {"timeout": "5"}


def test_values_may_contain_hashes_and_equals():
    assert load("color = #ff0000\nquery = a=b\n") == {"color": "#ff0000", "query": "a=b"}


def test_whitespace_only_lines():
    assert content_lines("  \n\t\n") == []


def test_bool_from_file():
    settings = load("verbose = on\nquiet = off\n")
    assert get_bool(settings, "verbose")
    assert not get_bool(settings, "quiet")
