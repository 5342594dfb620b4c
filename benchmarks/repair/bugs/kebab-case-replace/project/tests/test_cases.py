from naming.cases import to_camel, to_kebab, to_snake, words


def test_words():
    assert words("userName") == ["user", "name"]


def test_snake_from_camel():
    assert to_snake("maxRetryCount") == "max_retry_count"


def test_snake_from_kebab():
    assert to_snake("max-retry-count") == "max_retry_count"


def test_camel():
    assert to_camel("max_retry_count") == "maxRetryCount"


def test_kebab_from_snake():
    assert to_kebab("max_retry_count") == "max-retry-count"


def test_kebab_from_words():
    assert to_kebab("Max Retry Count") == "max-retry-count"


def test_single_word():
    assert to_kebab("retries") == "retries"
