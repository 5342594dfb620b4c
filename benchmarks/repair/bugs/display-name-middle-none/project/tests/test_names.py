from people.names import Person, display_name, initials, member_list


def test_with_middle_name():
    assert display_name(Person("Ada", "Lovelace", "King")) == "Ada K. Lovelace"


def test_initials():
    assert initials(Person("Ada", "Lovelace", "King")) == "AKL"
    assert initials(Person("alan", "turing")) == "AT"


def test_member_list_order():
    people = [Person("Grace", "Hopper", "Brewster"), Person("Ada", "Lovelace", "King")]
    assert member_list(people) == ["Grace B. Hopper", "Ada K. Lovelace"]


def test_without_middle_name():
    assert display_name(Person("Alan", "Turing")) == "Alan Turing"


def test_member_list_with_and_without_middle_names():
    people = [Person("Alan", "Turing"), Person("Ada", "Lovelace", "King")]
    assert member_list(people) == ["Ada K. Lovelace", "Alan Turing"]
