"""One WeChat boundary: outside server/wechat no module imports wechatpy, or requests for WeChat, or catches
their exceptions (the township push in sync/push.py is the one use of requests, and it is not WeChat)."""
import ast
from pathlib import Path

import server

SERVER = Path(server.__file__).parent
# Webhooks to townships, and `demo member-token` logging in at this very service over HTTP: neither is WeChat.
REQUESTS_ALLOWED = {SERVER / "sync" / "push.py", SERVER / "demo" / "__init__.py"}
FOREIGN_EXCEPTIONS = {"WeChatClientException", "WeChatPayException", "WeChatException", "RequestException",
                      "InvalidSignatureException", "ConnectionError", "Timeout", "HTTPError"}


def _modules():
    for path in sorted(SERVER.rglob("*.py")):
        if SERVER / "wechat" in path.parents:
            continue
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imported(tree) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _caught(tree) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler) and node.type is not None:
            for part in ast.walk(node.type):
                if isinstance(part, ast.Attribute):
                    names.add(part.attr)
                elif isinstance(part, ast.Name):
                    names.add(part.id)
    return names


def test_the_scan_sees_the_modules_it_must_police():
    scanned = {path.relative_to(SERVER).as_posix() for path, _ in _modules()}
    assert {"auth/service.py", "checkins/checkin.py", "checkins/reminders.py", "dues/orders.py",
            "dues/refunds.py", "dues/notices.py", "sync/push.py"} <= scanned
    assert not any(name.startswith("wechat/") for name in scanned)


def test_no_module_outside_server_wechat_imports_wechatpy():
    offenders = [str(path) for path, tree in _modules() if "wechatpy" in _imported(tree)]
    assert offenders == []


def test_only_the_township_push_imports_requests():
    offenders = [str(path) for path, tree in _modules()
                 if "requests" in _imported(tree) and path not in REQUESTS_ALLOWED]
    assert offenders == []


def test_no_module_outside_server_wechat_catches_wechatpy_or_requests_exceptions():
    offenders = {str(path): sorted(_caught(tree) & FOREIGN_EXCEPTIONS) for path, tree in _modules()
                 if path not in REQUESTS_ALLOWED and _caught(tree) & FOREIGN_EXCEPTIONS}
    assert offenders == {}
