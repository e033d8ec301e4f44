from decimal import Decimal

import pytest

from orders import money


@pytest.mark.parametrize(
    ("quantity", "price", "discount", "rate", "net", "tax"),
    [
        ("2", "49.99", "10", "25", "89.98", "22.50"),
        ("1", "0.125", "0", "25", "0.13", "0.03"),  # half up, not banker's rounding
        ("2.5", "950", "0", "25", "2375.00", "593.75"),
        ("3", "19.90", "0", "15", "59.70", "8.96"),
        ("1", "1000", "100", "25", "0.00", "0.00"),
        ("7", "12.34", "0", "0", "86.38", "0.00"),
    ],
)
def test_line_amounts(quantity, price, discount, rate, net, tax):
    amounts = money.line_amounts(Decimal(quantity), Decimal(price), Decimal(discount), Decimal(rate))
    assert (amounts.net, amounts.tax) == (Decimal(net), Decimal(tax))
    assert amounts.gross == Decimal(net) + Decimal(tax)


def test_totals_break_tax_down_per_rate():
    lines = [
        (Decimal(25), money.line_amounts(Decimal(1), Decimal(100), Decimal(0), Decimal(25))),
        (Decimal(15), money.line_amounts(Decimal(2), Decimal(10), Decimal(0), Decimal(15))),
        (Decimal("25.0"), money.line_amounts(Decimal(1), Decimal(50), Decimal(0), Decimal(25))),
    ]
    totals = money.totals(lines)
    assert totals.net == Decimal("170.00")
    assert totals.tax == Decimal("40.50")
    assert totals.gross == Decimal("210.50")
    assert totals.by_rate == (
        (Decimal(15), Decimal("20.00"), Decimal("3.00")),
        (Decimal(25), Decimal("150.00"), Decimal("37.50")),
    )


def test_a_rate_only_lines_of_nothing_have_is_not_broken_down():
    lines = [(Decimal(15), money.line_amounts(Decimal(2), Decimal(10), Decimal(0), Decimal(15))),
             (Decimal(25), money.line_amounts(Decimal(0), Decimal(100), Decimal(0), Decimal(25))),
             (Decimal(0), money.line_amounts(Decimal(1), Decimal(40), Decimal(0), Decimal(0)))]
    assert money.totals(lines).by_rate == ((Decimal(0), Decimal("40.00"), Decimal("0.00")),
                                           (Decimal(15), Decimal("20.00"), Decimal("3.00")))


def test_json_floats_become_their_shortest_decimal():
    assert money.to_decimal(49.99) == Decimal("49.99")
    assert money.to_decimal("12.5") == Decimal("12.5")
    assert money.to_decimal(None) is None
    assert money.to_decimal("abc") is None
    assert money.to_decimal(float("nan")) is None


def test_rounding_tolerance_grows_with_lines():
    assert money.tolerance(0) == Decimal("0.01")
    assert money.tolerance(30) == Decimal("0.30")


def test_the_largest_order_the_builder_accepts_is_priced_and_totalled_to_the_ore():
    """Decimal keeps 28 significant digits: the builder's bounds (500 lines, quantity and price at most
    ``forms.AMOUNT_LIMIT``) keep every amount of an order within them, so rounding to øre never fails."""
    from orders import forms

    largest = forms.AMOUNT_LIMIT
    line = money.line_amounts(largest, largest, Decimal(0), Decimal(100))
    order = money.totals([(Decimal(100), line)] * forms.MAX_LINES)
    assert order.gross == (largest * largest * 2).quantize(money.CENT) * forms.MAX_LINES
    assert money.round_money(order.gross) == order.gross
