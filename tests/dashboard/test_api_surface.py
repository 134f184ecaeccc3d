"""CONTRACT §9 County dashboard: fixed fields as the dashboard's callers read them."""
from tests.openapi_surface import component, response_fields


def test_county_figures_per_township_have_the_contract_fields():
    assert {"totals", "townships"} <= response_fields("GET", "/api/v1/dashboard/county", 200)
    township = component("NamedFigures")["properties"]
    assert {"id", "name", "members", "reported", "checkin_rate", "dues_paid_rate", "arrears_6m",
            "lost_contact"} <= set(township)

