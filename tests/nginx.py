"""A real nginx (the distribution's package: `apt-get install nginx`) running the shipped
deploy/nginx.conf in front of live servers. Only what must differ outside Docker is
substituted (the upstream's replicas, the port, the client's directory, the access log), each
exactly once, so the tests run the file that ships; it sits in an `http` block like the one of
the official image and Debian's, with Debian's mime.types (which lacks .mjs)."""

import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import httpx

from tests.conftest import ROOT, free_port

SHIPPED = ROOT / "deploy" / "nginx.conf"
MIME_TYPES = Path("/etc/nginx/mime.types")


def _substitute_once(text: str, pattern: str, replacement) -> str:
    result, count = re.subn(pattern, replacement, text, flags=re.MULTILINE)
    assert count == 1, f"deploy/nginx.conf: expected one match of {pattern!r}, found {count}"
    return result


def render(upstreams: list[str], port: int, workdir: Path) -> str:
    """deploy/nginx.conf with `upstreams` for the `api` replicas, listening on `port`."""
    conf = SHIPPED.read_text()
    conf = _substitute_once(
        conf,
        r"^(\s*)server api:8000( [^;]*)?;$",
        lambda m: "\n".join(f"{m[1]}server {address}{m[2] or ''};" for address in upstreams),
    )
    conf = _substitute_once(conf, r"^(\s*)listen 80;$", rf"\1listen 127.0.0.1:{port};")
    conf = _substitute_once(
        conf, r"^(\s*)root /usr/share/nginx/html;$", rf"\1root {ROOT / 'frontend'};"
    )
    conf = _substitute_once(
        conf, r"access_log /dev/stdout ", f"access_log {workdir / 'access.log'} "
    )
    temp = "\n".join(
        f"    {kind}_temp_path {workdir / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # As root, the workers stay root: they read the worktree and write the temporary dirs.
    user = "user root;\n" if os.geteuid() == 0 else ""
    mime = f"    include {MIME_TYPES};\n" if MIME_TYPES.is_file() else ""
    return (
        f"{user}daemon off;\nworker_processes 1;\npid {workdir / 'nginx.pid'};\n"
        f"error_log {workdir / 'error.log'} notice;\n"
        "events { worker_connections 1024; }\n"
        f"http {{\n{mime}    default_type application/octet-stream;\n{temp}\n{conf}\n}}\n"
    )


class Nginx:
    """nginx in the foreground with its own prefix, config and logs under `workdir`."""

    def __init__(self, upstreams: list[str], workdir: Path) -> None:
        self.executable = shutil.which("nginx") or "/usr/sbin/nginx"
        assert Path(self.executable).exists(), "nginx is missing: apt-get install -y nginx"
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = workdir / "nginx.conf"
        self.config.write_text(render(upstreams, self.port, workdir))
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 10) -> "Nginx":
        command = [self.executable, "-p", str(self.workdir), "-c", str(self.config)]
        # -e: the error log before the config is read (else the build's default path).
        command += ["-e", str(self.workdir / "error.log")]
        subprocess.run([*command, "-t", "-q"], check=True, capture_output=True, timeout=30)
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if httpx.get(f"{self.url}/nginx-health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"nginx did not start: {self.error_log()}")

    def __enter__(self) -> "Nginx":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def error_log(self) -> str:
        path = self.workdir / "error.log"
        return path.read_text() if path.exists() else ""

    def access_log(self) -> list[dict]:
        path = self.workdir / "access.log"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
