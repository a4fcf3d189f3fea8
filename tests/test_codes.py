"""Check characters: 统一社会信用代码 (GB 32100-2015) and 居民身份证号码 (GB 11643-1999)."""

from __future__ import annotations

import random

import pytest

from jointcheck.core.libraries.codes import (
    CREDIT_ALPHABET,
    credit_code_check_char,
    credit_code_problem,
    credit_code_valid,
    id_number_check_char,
    id_number_problem,
    id_number_valid,
    normalise_code,
)

# docs/architecture.md#domain-libraries: verified by hand computation on published examples
CREDIT_EXAMPLES = ["91310110666007217T", "91310115591693856A", "91110108551385082Q"]
ID_EXAMPLES = ["11010519491231002X", "440524188001010014"]


@pytest.mark.parametrize("code", CREDIT_EXAMPLES)
def test_published_credit_codes_are_valid(code):
    assert credit_code_valid(code)
    assert credit_code_check_char(code[:17]) == code[17]
    assert credit_code_problem(code) is None


def test_weights_are_the_powers_of_three_mod_31():
    from jointcheck.core.libraries.codes import CREDIT_WEIGHTS

    assert CREDIT_WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    assert len(CREDIT_ALPHABET) == 31 and not set("IOSVZ") & set(CREDIT_ALPHABET)


@pytest.mark.parametrize("code", CREDIT_EXAMPLES)
def test_every_other_last_character_fails_the_check(code):
    for c in CREDIT_ALPHABET:
        if c != code[17]:
            assert not credit_code_valid(code[:17] + c)
            assert credit_code_problem(code[:17] + c) == "check"


@pytest.mark.parametrize("code", CREDIT_EXAMPLES)
def test_any_single_substitution_in_the_body_is_detected(code):
    # weights are non-zero mod 31 (a prime): one changed symbol always changes the sum
    for i in range(17):
        for c in CREDIT_ALPHABET:
            if c != code[i]:
                assert not credit_code_valid(code[:i] + c + code[i + 1:]), (i, c)


def test_adjacent_transpositions_are_detected():
    code = CREDIT_EXAMPLES[0]
    for i in range(16):
        if code[i] != code[i + 1]:
            swapped = code[:i] + code[i + 1] + code[i] + code[i + 2:]
            assert not credit_code_valid(swapped)


@pytest.mark.parametrize("bad, why", [
    ("91310110666007217", "length"),
    ("91310110666007217TT", "length"),
    ("9131011066600721IT", "alphabet"),  # I is not in the alphabet
    ("91310110666007217O", "alphabet"),  # nor O, as the check character
    ("91310110666007217t", "alphabet"),  # lower case is not normalised here
    ("", "length"),
])
def test_credit_code_problems(bad, why):
    assert credit_code_problem(bad) == why
    assert not credit_code_valid(bad)


def test_check_char_rejects_bad_input():
    with pytest.raises(ValueError):
        credit_code_check_char("1234")
    with pytest.raises(ValueError):
        credit_code_check_char("9131011066600721I")
    with pytest.raises(ValueError):
        id_number_check_char("1101051949123100")
    with pytest.raises(ValueError):
        id_number_check_char("1101051949123100A")


def test_random_codes_round_trip():
    rng = random.Random(7)
    for _ in range(500):
        body = "".join(rng.choice(CREDIT_ALPHABET) for _ in range(17))
        assert credit_code_valid(body + credit_code_check_char(body))


@pytest.mark.parametrize("number", ID_EXAMPLES)
def test_published_id_numbers_are_valid(number):
    assert id_number_valid(number)
    assert id_number_check_char(number[:17]) == number[17]


@pytest.mark.parametrize("number", ID_EXAMPLES)
def test_mutated_id_numbers_fail(number):
    for c in "0123456789X":
        if c != number[17]:
            assert id_number_problem(number[:17] + c) == "check"
    for i in range(17):
        if i in range(6, 14):
            continue  # birth-date digits may give an invalid date instead
        d = str((int(number[i]) + 1) % 10)
        assert not id_number_valid(number[:i] + d + number[i + 1:])


@pytest.mark.parametrize("bad, why", [
    ("11010519491231002", "length"),
    ("11010519491231002x", "format"),  # lower-case x: callers normalise first
    ("1101051949123100AX", "format"),
    ("110105194913310020", "birth_date"),  # month 13
    ("110105194902300021", "birth_date"),  # 30 February
])
def test_id_number_problems(bad, why):
    assert id_number_problem(bad) == why


def test_normalise_code():
    assert normalise_code(" 91310110666007217t ") == "91310110666007217T"
    assert normalise_code("9131 0110\u3000666007217T") == "91310110666007217T"
    assert normalise_code("11010519491231002x") == "11010519491231002X"
