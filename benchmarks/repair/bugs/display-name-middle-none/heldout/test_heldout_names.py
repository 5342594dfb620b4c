import pytest

from people.names import Person, display_name, member_list


@pytest.mark.parametrize(
    ("person", "name"),
    [
        (Person("Alan", "Turing"), "Alan Turing"),
        (Person("Alan", "Turing", None), "Alan Turing"),
        (Person("Alan", "Turing", ""), "Alan Turing"),
        (Person("John", "Neumann", "von"), "John v. Neumann"),
        (Person("Edsger", "Dijkstra", "Wybe"), "Edsger W. Dijkstra"),
        (Person("Barbara", "Liskov"), "Barbara Liskov"),
    ],
)
def test_display_name(person, name):
    assert display_name(person) == name


def test_member_list_without_middle_names():
    people = [Person("Linus", "Torvalds"), Person("Guido", "van Rossum")]
    assert member_list(people) == ["Linus Torvalds", "Guido van Rossum"]
