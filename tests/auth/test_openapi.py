"""Every identity endpoint is in the OpenAPI document."""


def test_identity_endpoints_are_documented(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    expected = {
        "/api/v1/auth/login": {"post"}, "/api/v1/auth/bind": {"post"}, "/api/v1/auth/logout": {"post"},
        "/api/v1/me": {"get"}, "/api/v1/me/reports": {"get", "post"},
        "/api/v1/staff/login": {"post"}, "/api/v1/staff/me": {"get"}, "/api/v1/staff/logout": {"post"},
        "/api/v1/townships": {"get"}, "/api/v1/branches": {"get"},
        "/api/v1/members": {"get"}, "/api/v1/members/{member_id}": {"get"},
        "/api/v1/members/{member_id}/status": {"post"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths[path]), path
    assert "bearer" in str(paths["/api/v1/me"]["get"]["security"])
