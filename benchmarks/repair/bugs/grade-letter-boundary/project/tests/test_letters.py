import pytest

from grading.letters import grade_counts, letter_grade


def test_clear_a():
    assert letter_grade(95) == "A"


def test_middle_of_the_range():
    assert letter_grade(85) == "B"
    assert letter_grade(72.5) == "C"


def test_failing_score():
    assert letter_grade(42) == "F"


def test_a_cutoff_earns_the_letter():
    assert letter_grade(90) == "A"


def test_scores_out_of_range():
    with pytest.raises(ValueError):
        letter_grade(101)


def test_counts():
    assert grade_counts([95, 85, 55]) == {"A": 1, "B": 1, "C": 0, "D": 0, "F": 1}


def test_counts_on_cutoffs():
    assert grade_counts([80, 60]) == {"A": 0, "B": 1, "C": 0, "D": 1, "F": 0}
