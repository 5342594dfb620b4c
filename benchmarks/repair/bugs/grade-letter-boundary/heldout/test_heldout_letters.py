import pytest

from grading.letters import grade_counts, letter_grade


@pytest.mark.parametrize(
    ("score", "letter"),
    [(100, "A"), (90, "A"), (89.5, "B"), (80, "B"), (79.99, "C"), (70, "C"), (60, "D")],
)
def test_cutoffs(score, letter):
    assert letter_grade(score) == letter


@pytest.mark.parametrize(("score", "letter"), [(59.9, "F"), (59, "F"), (0, "F")])
def test_below_sixty(score, letter):
    assert letter_grade(score) == letter


@pytest.mark.parametrize("score", [-0.5, 100.01])
def test_out_of_range(score):
    with pytest.raises(ValueError):
        letter_grade(score)


def test_every_cutoff_counted():
    assert grade_counts([90, 80, 70, 60, 59.5]) == {"A": 1, "B": 1, "C": 1, "D": 1, "F": 1}
