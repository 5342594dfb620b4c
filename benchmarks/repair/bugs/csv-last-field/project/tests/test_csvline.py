from tabular.csvline import join_line, quote, split_line


def test_quote_plain_field():
    assert quote("abc") == "abc"


def test_quote_field_with_separator():
    assert quote("a,b") == '"a,b"'
    assert quote('say "hi"') == '"say ""hi"""'


def test_join_line():
    assert join_line(["x", "y,z", ""]) == 'x,"y,z",'


def test_split_simple_line():
    assert split_line("a,b,c") == ["a", "b", "c"]


def test_split_quoted_field():
    assert split_line('1,"Smith, John",42') == ["1", "Smith, John", "42"]


def test_empty_last_field():
    assert split_line("a,b,") == ["a", "b", ""]
