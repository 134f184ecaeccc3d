"""CONTRACT §7 Dues: fixed paths, fields and statuses as a caller's generator reads them."""
from tests.openapi_surface import component, request_fields, response_fields

CATEGORIES = ["salaried", "retired", "farmer", "student", "unemployed", "hardship"]


def test_dues_standard_takes_year_category_base_reason_and_answers_the_amount():
    fields = request_fields("PUT", "/api/v1/members/{member_id}/dues-standard")
    assert {"year", "category", "income_base_fen", "reason"} <= set(fields)
    assert fields["category"]["enum"] == CATEGORIES
    assert {"monthly_fen", "rate", "category", "year"} <= response_fields(
        "PUT", "/api/v1/members/{member_id}/dues-standard", 200)


def test_my_dues_has_monthly_fen_paid_through_owed_and_orders():
    assert {"monthly_fen", "paid_through", "owed", "orders"} <= response_fields("GET", "/api/v1/me/dues", 200)


def test_an_order_answers_order_no_amount_status_and_request_payment_params():
    assert {"months", "campaign_id", "amount_fen"} <= set(request_fields("POST", "/api/v1/dues/orders"))
    assert {"order_no", "amount_fen", "status", "pay_params"} <= response_fields("POST", "/api/v1/dues/orders", 201)
    pay_params = component("OrderCreatedOut")["properties"]["pay_params"]
    pay_params = component(pay_params["allOf"][0]["$ref"].rsplit("/", 1)[-1]) if "allOf" in pay_params else pay_params
    assert {"timeStamp", "nonceStr", "package", "signType", "paySign"} <= set(pay_params["properties"])


def test_order_pending_409_is_documented():
    assert {"code", "message", "order_no", "months", "resumable"} <= response_fields("POST", "/api/v1/dues/orders", 409)


def test_an_order_reads_back_with_status_amount_months_paid_at():
    fields = response_fields("GET", "/api/v1/dues/orders/{order_no}", 200)
    assert {"order_no", "status", "amount_fen", "months", "paid_at"} <= fields
    assert component("OrderOut")["properties"]["status"]["enum"] == ["pending", "paid", "closed", "refunded"]


def test_ledger_and_campaigns_exist_as_written():
    response_fields("GET", "/api/v1/branches/{branch_id}/dues/ledger", 200)
    assert {"title", "starts_on", "ends_on"} <= set(request_fields("POST", "/api/v1/dues/campaigns"))
    response_fields("POST", "/api/v1/dues/campaigns", 201)
