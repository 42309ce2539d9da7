"""nginx in front of real Tashawur processes, with the shipped deploy/nginx/tashawur.conf, for the tests and benches.

The shipped file is included as it is, but for its placeholders: the app processes, the listen port and the cache
folder. Anything else rewritten would test another file than the one operators install.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.liveserver import ROOT, free_port

SHIPPED = ROOT / "deploy" / "nginx" / "tashawur.conf"
NGINX_SKIP = "the nginx tests need nginx on PATH (Debian: apt-get install nginx; .ci/run installs it)"
# One line per request: who, what, which app process answered and what the cache did.
ACCESS_FORMAT = '$remote_addr "$request" $status upstream=$upstream_addr cache=$upstream_cache_status'


def nginx_binary() -> str | None:
    # Debian puts nginx in /usr/sbin, which an ordinary user's PATH often lacks.
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")


def site_config(upstreams: list[str], port: int, cache: Path, pages: list[str] | None = None) -> str:
    """The shipped snippet with only its placeholders replaced: the live processes (upstreams), the pages processes
    (by default the live ones), the listen port, the cache folder."""
    text = SHIPPED.read_text()
    for name, addresses in (("tashawur", upstreams), ("tashawur_pages", pages or upstreams)):
        servers = "".join(f"    server {address};\n" for address in addresses)
        block = rf"(?ms)^(upstream {name} \{{\n.*?)^(    server 127\.0\.0\.1:\d+;\n)+"
        text, found = re.subn(block, lambda m, servers=servers: m.group(1) + servers, text, count=1)
        assert found == 1, f"the server lines of upstream {name} moved in deploy/nginx/tashawur.conf"
    text, found = re.subn(r"(?m)^(    listen )80;$", rf"\g<1>127.0.0.1:{port};", text)
    assert found == 1, "the listen line moved in deploy/nginx/tashawur.conf"
    text, found = re.subn(r"(?m)^(proxy_cache_path )/var/cache/nginx/tashawur ", rf"\g<1>{cache} ", text)
    assert found == 1, "the proxy_cache_path line moved in deploy/nginx/tashawur.conf"
    return text


def write_config(folder: Path, upstreams: list[str], port: int, pages: list[str] | None = None) -> Path:
    """A complete nginx.conf in folder that includes the site: logs, pid, temporary files and cache all in folder."""
    (folder / "cache").mkdir(exist_ok=True)
    (folder / "tashawur.conf").write_text(site_config(upstreams, port, folder / "cache", pages))
    temp = "\n".join(
        f"    {kind}_temp_path {folder / ('temp-' + kind)};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # As root, workers would drop to "nobody", who cannot write in a test's private folder.
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = folder / "nginx.conf"
    conf.write_text(
        f"""{user}worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} info;
events {{
    worker_connections 4096;
}}
http {{
    log_format tashawur '{ACCESS_FORMAT}';
    access_log {folder / "access.log"} tashawur;
{temp}
    include {folder / "tashawur.conf"};
}}
"""
    )
    return conf


@dataclass
class Nginx:
    url: str
    folder: Path
    process: subprocess.Popen

    def access_log(self) -> list[str]:
        path = self.folder / "access.log"
        return path.read_text(errors="replace").splitlines() if path.exists() else []

    def error_log(self) -> str:
        path = self.folder / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # SIGTERM: nginx's fast shutdown
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_nginx(folder: Path, upstreams: list[str], pages: list[str] | None = None) -> Nginx:
    """Run nginx in the foreground on a free loopback port in front of the live processes (upstreams,
    "127.0.0.1:port") and the pages processes (pages; by default the live ones), once it answers."""
    binary = nginx_binary()
    if binary is None:
        raise RuntimeError(NGINX_SKIP)
    folder.mkdir(parents=True, exist_ok=True)
    for _attempt in range(3):
        port = free_port()
        conf = write_config(folder, upstreams, port, pages)
        command = [binary, "-p", str(folder), "-e", str(folder / "error.log"), "-c", str(conf), "-g", "daemon off;"]
        checked = subprocess.run([*command[:-2], "-t"], capture_output=True, text=True)
        if checked.returncode != 0:
            raise RuntimeError(f"nginx -t refused the configuration:\n{checked.stderr}")
        with (folder / "nginx.out").open("w") as out:
            process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and process.poll() is None:
            try:
                requests.get(url + "/", timeout=1)
                return Nginx(url, folder, process)
            except requests.RequestException:
                time.sleep(0.05)
        process.kill()
        process.wait()
        if "Address already in use" not in (folder / "error.log").read_text(errors="replace"):
            break
    raise RuntimeError(f"nginx did not start:\n{(folder / 'error.log').read_text(errors='replace')}")
