#!/usr/bin/env python3
"""Baseline native host of the kind native-messaging tutorials show: it reads each
frame (a 32-bit length in native byte order, then UTF-8 JSON) from stdin, replies
{"type": "pong"} to {"type": "ping"} under the same id, and exits when stdin closes."""

import json
import struct
import sys


def read_message():
    prefix = sys.stdin.buffer.read(4)
    if len(prefix) < 4:
        return None
    (length,) = struct.unpack("=I", prefix)
    return json.loads(sys.stdin.buffer.read(length).decode("utf-8"))


def send_message(message):
    body = json.dumps(message).encode("utf-8")
    sys.stdout.buffer.write(struct.pack("=I", len(body)))
    sys.stdout.buffer.write(body)
    sys.stdout.buffer.flush()


def main():
    while True:
        message = read_message()
        if message is None:
            return
        request = message.get("request", {})
        if request.get("type") == "ping":
            send_message({"id": message.get("id"), "result": {"type": "pong"}})
        else:
            error = {"code": 1, "name": "invalidMessage", "message": "only ping is served"}
            send_message({"id": message.get("id"), "error": error})


if __name__ == "__main__":
    main()
