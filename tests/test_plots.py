"""Unit tests of the period-to-date mapping that time axes use."""
from datetime import date

import pytest

from helpers.periods import axis_basis, period_date, period_span


@pytest.mark.parametrize("text,drawn,span", [
    ("2021", date(2021, 7, 2), (date(2021, 1, 1), date(2021, 12, 31))),
    ("FY2024", date(2023, 12, 30), (date(2023, 7, 1), date(2024, 6, 30))),
    ("2022-H1", date(2022, 4, 1), (date(2022, 1, 1), date(2022, 6, 30))),
    ("2023-Q3", date(2023, 8, 15), (date(2023, 7, 1), date(2023, 9, 30))),
    ("2024-04", date(2024, 4, 30), (date(2024, 4, 1), date(2024, 4, 30))),
    ("2019-12-08", date(2019, 12, 8), (date(2019, 12, 8), date(2019, 12, 8))),
    ("FY2024-M10", date(2023, 11, 30), (date(2023, 7, 1), date(2024, 4, 30))),
])
def test_every_period_form_maps_to_a_date(text, drawn, span):
    assert period_date(text) == drawn
    assert period_span(text) == span


def test_axis_basis():
    assert axis_basis(["FY2024", "FY2025-M10"]) == "FY"
    assert axis_basis(["2024", "2024-04"]) == "CY"
    assert axis_basis(["2024", "FY2024"]) == "mixed"
    with pytest.raises(ValueError):
        axis_basis([])
