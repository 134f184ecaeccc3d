"""The open payment-notice endpoint refuses hostile XML with WeChat's FAIL answer, never a 500."""
from __future__ import annotations

import logging

NOTIFY = "/api/v1/pay/wechat/notify"


def _assert_fail(resp):
    assert resp.status_code == 200
    assert resp.mimetype == "text/xml"
    assert "<return_code><![CDATA[FAIL]]></return_code>" in resp.get_data(as_text=True) \
        or "<return_code>FAIL</return_code>" in resp.get_data(as_text=True)


def test_a_deeply_nested_notice_is_refused_without_a_traceback(client, caplog):
    depth = 230_000  # about 1.6 MB, under the 2 MB request cap
    body = ("<xml>" + "<a>" * depth + "</a>" * depth + "</xml>").encode()
    assert 1_400_000 < len(body) < 2 * 1024 * 1024
    with caplog.at_level(logging.WARNING):
        resp = client.post(NOTIFY, data=body, content_type="text/xml")
    _assert_fail(resp)
    assert "RecursionError" not in caplog.text and "Traceback" not in caplog.text


def test_a_small_notice_nested_past_its_depth_is_refused(client):
    _assert_fail(client.post(NOTIFY, data=b"<xml><a><b><c>1</c></b></a></xml>", content_type="text/xml"))


def test_an_entity_expansion_bomb_is_refused(client):
    bomb = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><xml><return_code>&b;</return_code></xml>')
    _assert_fail(client.post(NOTIFY, data=bomb, content_type="text/xml"))
