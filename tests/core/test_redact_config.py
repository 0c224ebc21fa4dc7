"""Redaction rules of your own (`--redact-config FILE`): regexes, field names, built-ins turned
off, and every mistake said in one line naming the file and the rule."""

from __future__ import annotations

import pytest

from tuilogs.core.redact_config import RedactionConfigError, load_redactor
from tuilogs.core.redact_rules import BUILTIN_NAMES

RULES = r"""
disable = ["email"]

[[rules]]
name = "employee-id"
pattern = 'EMP-\d{6}'

[[rules]]
name = "ssn"
pattern = 'ssn (?P<value>\d{3}-\d{2}-\d{4})'

[[rules]]
name = "customer"
fields = ["customer_id", "*_ssn"]
"""


@pytest.fixture
def write(tmp_path):
    def write(text: str, name: str = "rules.toml"):
        path = tmp_path / name
        path.write_text(text)
        return path

    return write


def test_rules_of_your_own_apply_after_the_built_in_ones(write):
    redactor = load_redactor(write(RULES))
    assert redactor.names == (
        *(n for n in BUILTIN_NAMES if n != "email"),
        "employee-id",
        "ssn",
        "customer",
    )
    line = (
        'by EMP-123456 ssn 123-45-6789 customer_id=42 {"user_ssn": "9", "Customer_ID": 7}'
        " password=x bob@example.com lesson=3"
    )
    out, counts = redactor.redact(line)
    assert out == (
        'by [employee-id] ssn [ssn] customer_id=[customer] {"user_ssn": "[customer]",'
        ' "Customer_ID": "[customer]"} password=[password] bob@example.com lesson=3'
    )
    assert dict(counts) == {"employee-id": 1, "ssn": 1, "customer": 3, "password": 1}


def test_without_a_file_the_built_in_rules_apply():
    assert load_redactor().names == BUILTIN_NAMES


@pytest.mark.parametrize(
    "text, message",
    [
        ('[[rules]]\nname = "x"\npattern = "a("', "rule 1 (x): bad pattern 'a(': missing ), "),
        ('[[rules]]\nname = "x"\npattern = "a*"', "rule 1 (x): pattern 'a*' matches empty text"),
        ('[[rules]]\nname = "x"\npattern = "(?P<k>a)"', "the only group name a pattern may use"),
        ('[[rules]]\nname = "x"\npattern = ""', "rule 1 (x): pattern must be a non-empty string"),
        ('[[rules]]\nname = "x"', "rule 1 (x): give either pattern or fields"),
        ('[[rules]]\nname = "x"\npattern = "a"\nfields = ["b"]', "give either pattern or fields"),
        ('[[rules]]\nname = "x"\nfields = ["a b"]', "rule 1 (x): fields must be a list"),
        ('[[rules]]\nname = "x"\nfields = []', "rule 1 (x): fields must be a list"),
        ('[[rules]]\nname = "a b"\npattern = "a"', "rule 1: name must be 1-40 letters"),
        ('[[rules]]\npattern = "a"', "rule 1: name must be"),
        ('[[rules]]\nname = "card"\npattern = "a"', "rule 1: the name 'card' is taken"),
        ('[[rules]]\nname = "x"\nregex = "a"', "rule 1: unknown key 'regex'"),
        ('disable = ["phone"]', "disable: no built-in rule 'phone'"),
        ('disable = "email"', "disable must be a list of rule names"),
        ("rules = 3", "rules must be [[rules]] tables"),
        ("[extra]", "unknown key 'extra'"),
        ("name = ", "not valid TOML"),
    ],
)
def test_a_mistake_is_one_line_naming_the_file_and_the_rule(write, text, message):
    path = write(text)
    with pytest.raises(RedactionConfigError) as caught:
        load_redactor(path)
    said = str(caught.value)
    assert said.startswith(f"{path}: ") and message in said, said
    assert "\n" not in said


def test_a_missing_file_says_so(tmp_path):
    with pytest.raises(RedactionConfigError, match="No such file or directory"):
        load_redactor(tmp_path / "nope.toml")


def test_a_disabled_built_in_can_be_replaced_by_a_rule_of_the_same_name(write):
    redactor = load_redactor(
        write('disable = ["email"]\n[[rules]]\nname = "email"\npattern = "x@y"')
    )
    assert redactor.redact("x@y a@example.com") == ("[email] a@example.com", {"email": 1})
