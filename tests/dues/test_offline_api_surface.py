"""CONTRACT §11: payments outside WeChat, reversals and receipts as a caller's generator reads them."""
from tests.openapi_surface import request_fields, response_fields


def test_an_offline_payment_takes_the_contract_fields_and_answers_payment_with_receipt_no():
    path = "/api/v1/branches/{branch_id}/dues/payments"
    fields = request_fields("POST", path)
    assert {"member_id", "months", "amount_fen", "paid_on", "method", "note"} <= set(fields)
    assert fields["method"]["enum"] == ["cash", "bank_transfer", "other"]
    assert response_fields("POST", path, 201) == {"payment"}
    response_fields("POST", path, 409)


def test_reversal_takes_a_reason_and_documents_its_409():
    path = "/api/v1/dues/payments/{ref}/reverse"
    assert set(request_fields("POST", path)) == {"reason"}
    assert {"payment", "reversal"} <= response_fields("POST", path, 200)
    assert {"code", "message"} <= response_fields("POST", path, 409)


def test_receipts_and_a_members_dues_as_written():
    items = response_fields("GET", "/api/v1/me/dues/receipts", 200)
    assert items == {"items"}
    assert {"receipt_no", "months", "amount_fen", "paid_at", "channel"} <= response_fields(
        "GET", "/api/v1/dues/receipts/{receipt_no}", 200)
    assert {"monthly_fen", "paid_through", "owed"} <= response_fields("GET", "/api/v1/members/{member_id}/dues", 200)
    response_fields("GET", "/api/v1/branches/{branch_id}/dues/receipts", 200)
    assert {"items", "amount_fen"} <= response_fields("GET", "/api/v1/dues/forwarding", 200)
    response_fields("POST", "/api/v1/dues/forwarding/{ref}/forwarded", 409)
