"""fence_havoc's hand-off to the resident fence agent (`havoc fence-agent serve`).

Pacemaker starts a fence agent as a new process for every operation, monitors
included. Node's own start-up takes 60-80 ms on a small machine, Python's
20-30 ms, so when an agent listens the fence_havoc wrapper runs this instead of
Node. It speaks the agent's protocol (fencers/agent-protocol.ts): one JSON line
with the invocation as it came (command line, stdin, working directory, HAVOC_*
environment, deadline), one JSON line back with the exit code and the output.
The agent parses every option, exactly as fence_havoc would; the only one read
here is power_timeout, for the deadline, so that a client whose agent hangs
still gives up on time (fencers/agent-options.ts requestTimeoutMs is the same
rule). When the agent does not take the connection, fence_havoc runs itself
with the same options; once the request was sent, a missing answer is a
failure, never a reason to run the operation a second time. At the deadline,
or when Pacemaker kills this process, the connection closes, which makes the
agent abandon the request.

Usage (from the wrapper): python3 -I -S agent-handoff.py SOCKET DEFAULT_TIMEOUT_S NODE PROGRAM [ARG...]
"""

import os
import sys
import time

# The C halves of socket and json: their Python modules import enum, selectors and re, which would double the
# start-up this file exists to save (about 20 ms against 11 ms, `python3 -I -S -c 'import json, socket'`).
from _json import encode_basestring_ascii as quote
from _json import scanstring
from _socket import AF_UNIX, SOCK_STREAM
from _socket import socket as unix_socket


def now_ms():
    return time.clock_gettime(time.CLOCK_MONOTONIC) * 1000


def fail(message):
    sys.stderr.write(f"Failed: {message}\n")
    sys.exit(1)


def timeout_s(argv, stdin, default_s):
    """power_timeout from the command line or stdin; the default when absent or not > 0."""
    value = None
    if argv:
        for i, arg in enumerate(argv):
            for key in ("--power_timeout", "--power-timeout"):
                if arg == key and i + 1 < len(argv):
                    value = argv[i + 1]
                elif arg.startswith(key + "="):
                    value = arg[len(key) + 1 :]
    else:
        for line in stdin.split("\n"):
            key, eq, v = line.strip().partition("=")
            if eq and key.strip() in ("power_timeout", "power-timeout"):
                value = v.strip()
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return default_s
    return seconds if 0 < seconds < float("inf") else default_s


def request_line(argv, stdin, env, deadline):
    """The request as one JSON line (agent-protocol.ts AgentRequest), strings escaped by json's own C encoder."""
    return "{%s}\n" % ",".join(
        [
            '"argv":[%s]' % ",".join(quote(a) for a in argv),
            '"stdin":' + quote(stdin),
            '"cwd":' + quote(os.getcwd()),
            '"env":{%s}' % ",".join(quote(k) + ":" + quote(v) for k, v in env.items()),
            '"deadline":' + repr(float(deadline)),
        ]
    )


def parse_reply(text):
    """The agent's answer, {"code":N,"stdout":"...","stderr":"..."} in that order (agent-protocol.ts replyLine)."""
    head = '{"code":'
    if not text.startswith(head):
        raise ValueError("not a reply")
    comma = text.index(",", len(head))
    code = int(text[len(head) : comma])
    fields = []
    at = comma
    for key in (',"stdout":"', ',"stderr":"'):
        if not text.startswith(key, at):
            raise ValueError("not a reply")
        value, at = scanstring(text, at + len(key))
        fields.append(value)
    if text[at:].strip() != "}":
        raise ValueError("not a reply")
    return code, fields[0], fields[1]


def run_here(node, program, argv, stdin):
    """fence_havoc itself, with the options this process already read from stdin."""
    if stdin:
        data = stdin.encode()
        if hasattr(os, "memfd_create"):
            fd = os.memfd_create("fence_havoc-options")
            os.write(fd, data)
            os.lseek(fd, 0, os.SEEK_SET)
        else:  # Python before 3.8 (RHEL 8's platform-python): a pipe holds 64 KiB, more than any fence request
            if len(data) > 65536:
                fail("more than 64 KiB of options on stdin")
            fd, w = os.pipe()
            os.write(w, data)
            os.close(w)
        os.dup2(fd, 0)
        os.close(fd)
    os.execv(node, [node, program, *argv])


def main():
    path, default_s, node, program, *argv = sys.argv[1:]
    started = now_ms()
    stdin = "" if argv or sys.stdin.isatty() else sys.stdin.buffer.read().decode("utf-8", "replace")
    deadline = started + timeout_s(argv, stdin, float(default_s)) * 1000
    conn = unix_socket(AF_UNIX, SOCK_STREAM)
    conn.settimeout(0.5)
    try:
        conn.connect(path)
    except OSError:
        # No agent took the connection (none listens, a stale socket, not root): nothing was sent.
        conn.close()
        run_here(node, program, argv, stdin)
    env = {k: v for k, v in os.environ.items() if k.startswith("HAVOC_")}
    request = request_line(argv, stdin, env, deadline)
    late = f"the resident fence agent at {path} did not answer by the deadline; the connection was closed, which makes it abandon the request"
    answer = b""
    try:
        conn.sendall(request.encode())
        while True:
            left = deadline - now_ms()
            if left <= 0:
                fail(late)
            conn.settimeout(left / 1000)
            chunk = conn.recv(65536)
            if not chunk:
                break
            answer += chunk
    except TimeoutError:
        fail(late)
    except OSError as err:
        fail(f"the resident fence agent at {path}: {err.strerror or err}")
    try:
        code, out, err = parse_reply(answer.decode())
    except ValueError:
        fail(f"the resident fence agent at {path} ended without an answer")
    sys.stdout.write(out)
    sys.stderr.write(err)
    sys.exit(code)


if __name__ == "__main__":
    main()
