"""Runs Linux's git for git.exe (git.c) under wine: see README.md. Started by tests/windows/run as the
wine user; serves 127.0.0.1 on a free port, written to the file named by --port-file; stops when the
process --parent names is gone.

For each connection: the Windows folder, arguments and environment (Windows paths such as
Z:\\tmp\\x or C:\\users\\... made Unix paths, through the prefix's dosdevices/), /usr/bin/git run with
them, and its stdout, stderr and exit code sent back. Git's hooks find `pre-commit` on PATH in
hostbin/ (a wrapper running the Windows python's pre_commit under wine).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socketserver
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PREFIX = os.environ["WINEPREFIX"]
DRIVE_PATH = re.compile(r"^(\\\\\?\\)?([A-Za-z]):[\\/](.*)$", re.S)
# Windows' variables that mean nothing to Linux programs (PATH is set below).
DROPPED = {"PATH", "TEMP", "TMP", "PATHEXT", "COMSPEC", "WINDIR", "SYSTEMROOT", "SYSTEMDRIVE", "USERPROFILE",
           "PROGRAMFILES", "PROGRAMDATA", "APPDATA", "LOCALAPPDATA", "ALLUSERSPROFILE", "PUBLIC",
           "COMMONPROGRAMFILES", "PROGRAMW6432", "PROGRAMFILES(X86)", "COMMONPROGRAMFILES(X86)",
           "COMMONPROGRAMW6432", "HOMEDRIVE", "HOMEPATH", "LOGONSERVER", "OS", "USERDOMAIN", "USERNAME",
           "COMPUTERNAME", "WINECONFIGDIR", "WINEDATADIR", "WINEHOMEDIR", "WINELOADER", "WINEDLLDIR0",
           "WINEUSERNAME", "NUMBER_OF_PROCESSORS", "PROCESSOR_ARCHITECTURE", "PROCESSOR_IDENTIFIER",
           "PROCESSOR_LEVEL", "PROCESSOR_REVISION", "PROMPT", "__COMPAT_LAYER"}


def unix_path(text: str) -> str:
    """A Windows drive path as the Unix path wine maps it to; anything else unchanged."""
    match = DRIVE_PATH.match(text)
    if not match:
        return text
    drive = os.path.realpath(os.path.join(PREFIX, "dosdevices", match.group(2).lower() + ":"))
    rest = match.group(3).replace("\\", "/")
    return os.path.join(drive, rest) if rest else drive + ("" if drive.endswith("/") else "/")


def unix_argument(argument: str) -> str:
    if DRIVE_PATH.match(argument):
        return unix_path(argument)
    option = re.match(r"^(--?[\w-]+=)(.*)$", argument, re.S)  # --git-dir=C:\...
    if option and DRIVE_PATH.match(option.group(2)):
        return option.group(1) + unix_path(option.group(2))
    return argument


def executable_hooks(cwd: str) -> None:
    """Windows has no executable bit, so `pre-commit install` from the Windows python writes a hook
    Linux's git would skip ("ignored because it's not set as executable"), and writes it with CRLF
    (text mode), which the kernel reads as `#!/bin/sh\r`, and starts with `#!/bin/sh` (Git for Windows'
    sh is bash, and the hook needs bash's arrays; Debian's is dash). Git for Windows runs it as it is;
    here each hook is made executable, its line ends LF and its sh bash."""
    folder = cwd
    while True:
        hooks = os.path.join(folder, ".git", "hooks")
        if os.path.isdir(hooks):
            for name in os.listdir(hooks):
                path = os.path.join(hooks, name)
                if name.endswith(".sample") or not os.path.isfile(path):
                    continue
                with open(path, "rb") as file:
                    text = file.read()
                fixed = text.replace(b"\r\n", b"\n")
                if fixed.startswith(b"#!/bin/sh\n"):
                    fixed = b"#!/bin/bash\n" + fixed[len(b"#!/bin/sh\n"):]
                if text.startswith(b"#!") and fixed != text:
                    with open(path, "wb") as file:
                        file.write(fixed)
                if not os.access(path, os.X_OK):
                    os.chmod(path, os.stat(path).st_mode | 0o111)
            return
        parent = os.path.dirname(folder)
        if parent == folder:
            return
        folder = parent


class Relay(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        sock = self.request
        (length,) = struct.unpack("<I", self.receive(4))
        fields = self.receive(length).decode("utf-8", "surrogateescape").split("\0")
        cwd, count = unix_path(fields[0]), int(fields[1])
        arguments = [unix_argument(a) for a in fields[2:2 + count]]
        environment = {k: v for k, v in os.environ.items()}
        for entry in fields[2 + count:]:
            name, sep, value = entry.partition("=")
            if not sep or not name or name.upper() in DROPPED:
                continue
            environment[name] = os.pathsep.join(unix_path(p) for p in value.split(";")) if DRIVE_PATH.match(value) else value
        environment["PATH"] = os.path.join(HERE, "hostbin") + ":/usr/local/bin:/usr/bin:/bin"
        executable_hooks(cwd)
        lock = threading.Lock()

        def send(kind: int, data: bytes) -> None:
            with lock:
                sock.sendall(struct.pack("<BI", kind, len(data)) + data)

        try:
            process = subprocess.Popen(["/usr/bin/git", *arguments], cwd=cwd, env=environment,
                                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except OSError as error:
            send(2, f"git.exe (vaulttool wine shim): {error}\n".encode())
            send(3, struct.pack("<i", 128))
            return

        def pump(stream, kind: int) -> None:  # noqa: ANN001
            while chunk := stream.read1(65536):
                send(kind, chunk)

        threads = [threading.Thread(target=pump, args=(process.stdout, 1)),
                   threading.Thread(target=pump, args=(process.stderr, 2))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        send(3, struct.pack("<i", process.wait() & 0xFF))

    def receive(self, length: int) -> bytes:
        data = b""
        while len(data) < length:
            chunk = self.request.recv(length - len(data))
            if not chunk:
                raise ConnectionError("git.exe went away")
            data += chunk
        return data


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--parent", type=int, required=True)
    options = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = Server(("127.0.0.1", 0), Relay)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with open(options.port_file + ".tmp", "w") as file:
        file.write(f"{server.server_address[1]} {os.getpid()}\n")
    os.replace(options.port_file + ".tmp", options.port_file)
    while True:  # until the harness that started us is gone
        try:
            os.kill(options.parent, 0)
        except ProcessLookupError:
            break
        except PermissionError:
            pass
        time.sleep(1)
    sys.exit(0)


if __name__ == "__main__":
    main()
