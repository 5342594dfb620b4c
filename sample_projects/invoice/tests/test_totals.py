from invoice.totals import invoice_total


def test_total():
    assert invoice_total(["12.50", "0.75"]) == "13.25"


def test_total_with_thousands():
    assert invoice_total(["$1,250.00", "$49.99"]) == "1299.99"


def test_total_of_cents():
    assert invoice_total(["0.50", "0.25"]) == "0.75"


def test_total_of_nothing():
    assert invoice_total([]) == "0.00"
