from thermo.convert import describe, to_fahrenheit


def test_boiling_point():
    assert to_fahrenheit(100) == 212


def test_freezing_point():
    assert to_fahrenheit(0) == 32


def test_minus_forty_is_the_same_in_both_scales():
    assert to_fahrenheit(-40) == -40


def test_describe():
    assert describe(100) == "100 °C = 212 °F"


def test_scale_is_linear():
    assert to_fahrenheit(10) - to_fahrenheit(0) == 18
