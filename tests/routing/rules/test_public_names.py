"""What the customer may read of who handles their case: the unit by
default, or a first name with the staff number, or nothing."""
from routing.rules.public_names import first_name, shown_handler


def test_a_first_name_as_a_customer_addresses_staff():
    assert first_name("Li Wei") == "Li"
    assert first_name("王芳") == "王"
    assert first_name("Anna") == "Anna"
    assert first_name("") == ""


def test_the_organisation_chooses_what_is_shown():
    person = {"display_name": "王芳", "staff_number": "1024", "unit_name": "East outlet"}
    assert shown_handler("unit", **person) == ("East outlet", None)
    assert shown_handler("name_and_number", **person) == ("王", "1024")
    assert shown_handler("none", **person) == (None, None)


def test_nobody_handling_it_yet_shows_the_unit_or_nothing():
    assert shown_handler("name_and_number", display_name=None, staff_number=None, unit_name="East outlet") == \
        ("East outlet", None)
    assert shown_handler("unit", display_name=None, staff_number=None, unit_name=None) == (None, None)
