"""Loading the app imports none of the heavy libraries a web worker may never use (issue 10, worker memory):
each loads where it is used (spreadsheets, PDFs, photos, WeChat calls, jobs, the in-process Redis)."""
import json
import subprocess
import sys

HEAVY = ("openpyxl", "reportlab", "PIL", "wechatpy", "rq", "requests", "fakeredis", "pypdf")


def test_create_app_leaves_the_heavy_libraries_unloaded():
    code = ("import json, sys; from server import create_app; create_app(); "
            f"print(json.dumps(sorted(m for m in {list(HEAVY)!r} if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
