"""An XLSX that inflates far past its size is refused before openpyxl opens it (issue 9)."""
from __future__ import annotations

import io

from tests.conftest import bearer, make_branch, staff_token
from tests.factories import make_xlsx_bomb


def test_a_decompression_bomb_is_413_before_it_is_read(client, ctx):
    branch = make_branch()
    bomb = make_xlsx_bomb(80)
    assert len(bomb) < 200 * 1024
    resp = client.post(f"/api/v1/branches/{branch.id}/dues-standards/import",
                       data={"file": (io.BytesIO(bomb), "standards.xlsx")},
                       headers=bearer(staff_token("branch_secretary", branch.id)), content_type="multipart/form-data")
    assert resp.status_code == 413
    body = resp.get_json()
    assert body["code"] == "payload_too_large" and "解压后过大" in body["errors"]["file"][0]


def test_a_file_that_is_no_zip_is_422(client, ctx):
    branch = make_branch()
    resp = client.post(f"/api/v1/branches/{branch.id}/dues-standards/import",
                       data={"file": (io.BytesIO(b"name,id\n"), "standards.xlsx")},
                       headers=bearer(staff_token("branch_secretary", branch.id)), content_type="multipart/form-data")
    assert resp.status_code == 422 and resp.get_json()["code"] == "import_invalid"
