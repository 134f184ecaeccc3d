"""Debian's nginx with deploy/nginx-party.conf in front of gunicorn with deploy/gunicorn.conf.py, on loopback.

The site is rendered for a temporary prefix: only the addresses and file paths below change, each of which
must occur in the shipped file, so what runs is the deployed configuration.
"""
from __future__ import annotations

import http.client
import os
import pwd
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

NGINX = "/usr/sbin/nginx"
REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
START_TIMEOUT_S = 60  # a loaded CI machine needs ~20 s to boot the app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, proc: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}: {_output(proc)}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    stop(proc)
    raise RuntimeError(f"{what} did not listen on {port} within {START_TIMEOUT_S} s: {_output(proc)}")


def _output(proc: subprocess.Popen) -> str:
    log = getattr(proc, "log_path", None)
    return Path(log).read_text()[-3000:] if log and Path(log).exists() else ""


def stop(proc: subprocess.Popen) -> None:
    """End a process this test started (TERM, then KILL after 10 s)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def start_gunicorn(tmp: Path, env: dict[str, str], workers: int) -> tuple[subprocess.Popen, int]:
    """gunicorn -c deploy/gunicorn.conf.py on a free loopback port, ready when it answers /healthz."""
    port = free_port()
    log = tmp / f"gunicorn-{port}.log"
    full_env = {**os.environ, **env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(workers)}
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(DEPLOY / "gunicorn.conf.py")],
                                cwd=REPO, env=full_env, stdout=out, stderr=subprocess.STDOUT)
    proc.log_path = log
    _wait_for_port(port, proc, "gunicorn")
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:  # the socket is bound before the workers have imported the app
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc, port
        except OSError:
            pass
        finally:
            conn.close()
        if time.monotonic() > deadline or proc.poll() is not None:
            stop(proc)
            raise RuntimeError(f"gunicorn never became healthy: {_output(proc)}")
        time.sleep(0.1)


def _certificate(tmp: Path) -> tuple[Path, Path]:
    cert, key = tmp / "fullchain.pem", tmp / "privkey.pem"
    if not cert.exists():
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, f"the shipped nginx configuration no longer contains {old!r}"
    return text.replace(old, new)


def render_nginx(prefix: Path, port: int, upstream_port: int, read_timeout: str | None = None) -> Path:
    """Write nginx.conf (standing in for Debian's /etc/nginx/nginx.conf) and the rendered site into prefix."""
    cert, key = _certificate(prefix.parent)
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi", "logs"):
        (prefix / name).mkdir(parents=True, exist_ok=True)
    params = (DEPLOY / "party_proxy_params").read_text()
    if read_timeout:
        params = _replace(params, "proxy_read_timeout 35s;", f"proxy_read_timeout {read_timeout};")
    (prefix / "party_proxy_params").write_text(params)
    site = (DEPLOY / "nginx-party.conf").read_text()
    for old, new in (("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream_port};"),
                     ("listen 443 ssl http2;", f"listen 127.0.0.1:{port} ssl http2;"),
                     ("/etc/ssl/party/fullchain.pem", str(cert)),
                     ("/etc/ssl/party/privkey.pem", str(key)),
                     ("/var/log/nginx/party-access.log", str(prefix / "logs" / "access.log")),
                     ("include /etc/nginx/party_proxy_params;", f"include {prefix / 'party_proxy_params'};")):
        site = _replace(site, old, new)
    (prefix / "party.conf").write_text(site)
    # As root, nginx's workers would drop to an account that cannot write this temporary prefix.
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
    conf = prefix / "nginx.conf"
    conf.write_text(f"""{user}worker_processes 1;
pid {prefix / 'nginx.pid'};
error_log {prefix / 'logs' / 'error.log'} warn;
events {{ worker_connections 128; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {prefix / 'body'};
    proxy_temp_path {prefix / 'proxy'};
    fastcgi_temp_path {prefix / 'fastcgi'};
    uwsgi_temp_path {prefix / 'uwsgi'};
    scgi_temp_path {prefix / 'scgi'};
    include {prefix / 'party.conf'};
}}
""")
    return conf


def start_nginx(tmp: Path, upstream_port: int, read_timeout: str | None = None,
                port: int | None = None) -> tuple[subprocess.Popen, int]:
    """Debian's nginx in the foreground with the rendered site, ready when it accepts connections."""
    port = port or free_port()
    prefix = tmp / f"nginx-{port}"
    conf = render_nginx(prefix, port, upstream_port, read_timeout)
    log = prefix / "logs" / "stderr.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"],
                                stdout=out, stderr=subprocess.STDOUT)
    proc.log_path = log
    _wait_for_port(port, proc, "nginx")
    return proc, port


class Https:
    """Plain HTTP/1.1 requests over TLS to the rendered nginx, from a chosen loopback source address."""

    def __init__(self, port: int, cert: Path, source: str = "127.0.0.1"):
        self.port, self.source = port, source
        self.context = ssl.create_default_context(cafile=str(cert))

    def request(self, method: str, target: str, body: bytes | None = None, headers: dict | None = None,
                timeout: float = 10) -> tuple[int, dict, bytes]:
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context, timeout=timeout,
                                           source_address=(self.source, 0))
        try:
            conn.request(method, target, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()
