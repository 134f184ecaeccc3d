"""The township client is its own package: it imports neither Flask nor the service, and the service
checks signatures and digests with the client's functions (one implementation of each rule)."""
import ast
from pathlib import Path

import township_sync
from township_sync.signing import canonical, sign

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = {"__future__", "argparse", "collections", "dataclasses", "datetime", "hashlib", "hmac", "http", "json",
           "os", "pathlib", "secrets", "sqlite3", "sys", "threading", "time", "unicodedata", "urllib",
           "requests", "openpyxl", "township_sync"}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    return names | {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}


def test_the_client_imports_neither_flask_nor_the_service():
    files = sorted(Path(township_sync.__file__).parent.glob("*.py"))
    assert {f.name for f in files} >= {"cli.py", "client.py", "ledger.py", "export.py", "signing.py", "receiver.py"}
    for path in files:
        assert imported_roots(path) <= ALLOWED, path.name
        assert len(path.read_text(encoding="utf-8").splitlines()) < 400, path.name


def test_the_service_has_no_signature_or_digest_code_of_its_own():
    for path in (ROOT / "server" / "sync").glob("*.py"):
        assert not {"hmac", "hashlib"} & imported_roots(path), f"{path.name} computes HMACs or hashes itself"
    assert "township_sync" in imported_roots(ROOT / "server" / "sync" / "signing.py")
    assert "township_sync" in imported_roots(ROOT / "server" / "sync" / "feed.py")


def test_the_console_script_is_the_package():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'township-sync = "township_sync.cli:main"' in text
    assert '"township_sync*"' in text


def test_the_signed_string_is_the_contract():
    assert canonical("get", "/api/v1/sync/changes?after=1", "1700000000") == "GET\n/api/v1/sync/changes?after=1\n1700000000"
    assert canonical("PUT", "/w", "1", "ab") == "PUT\n/w\n1\nab"
    # hex HMAC-SHA256 under the secret's UTF-8 bytes (a value computed independently with openssl).
    assert sign("s3cret", "GET", "/p", "1") == "d0b52b933da6ad1845e5770a5a90f678f2eefc864a62892d77adbe5fbe74a49a"
