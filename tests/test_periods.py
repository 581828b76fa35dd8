from datetime import date

import pytest

from helpers.periods import parse_date, parse_period


@pytest.mark.parametrize("text,start,end,basis,short", [
    ("2021", date(2021, 1, 1), date(2021, 12, 31), "CY", "CY2021"),
    ("2022-H1", date(2022, 1, 1), date(2022, 6, 30), "CY", "2022-H1"),
    ("2023-Q3", date(2023, 7, 1), date(2023, 9, 30), "CY", "2023-Q3"),
    ("2024-04", date(2024, 4, 1), date(2024, 4, 30), "CY", "2024-04"),
    ("2019-12-08", date(2019, 12, 8), date(2019, 12, 8), "CY", "2019-12-08"),
    ("FY2024", date(2023, 7, 1), date(2024, 6, 30), "FY", "FY24"),
    ("FY2024-M10", date(2023, 7, 1), date(2024, 4, 30), "FY", "10MFY24"),
    ("FY2025-M6", date(2024, 7, 1), date(2024, 12, 31), "FY", "6MFY25"),
])
def test_grammar(text, start, end, basis, short):
    p = parse_period(text)
    assert (p.start, p.end, p.basis, p.short) == (start, end, basis, short)


def test_fiscal_label_names_months():
    assert parse_period("FY2024").label == "FY2024 (Jul 2023-Jun 2024)"
    assert parse_period("FY2024-M10").label == "FY2024-M10 (Jul 2023-Apr 2024)"


@pytest.mark.parametrize("bad", ["2021-02-30", "2021/22", "FY24", "2024-00", "2024-Q5", "2024-H3", "FY2024-M12", "", "21"])
def test_rejects(bad):
    with pytest.raises(ValueError):
        parse_period(bad)


def test_dates():
    assert parse_date("2024-06") == date(2024, 6, 1)
    with pytest.raises(ValueError):
        parse_date("2024-02-30")
