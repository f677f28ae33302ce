#!/usr/bin/env python3
"""Generic webhook adapter: any service POSTs JSON to /incoming; the bot's replies and proactive sends are POSTed
to a callback URL. Standard library only.

  ASTRGATE_KEY=abk_... WEBHOOK_CALLBACK=http://127.0.0.1:9000/out \\
      python3 examples/webhook.py --nodes 127.0.0.1:7870,127.0.0.1:7871 --platform hooks --listen 127.0.0.1:8088

POST /incoming {"session_id": "alice", "text": "hello", "user_id": "alice", "nickname": "Alice",
                "message_type": "FriendMessage", "message_id": "m1"}   -> 202 {"ok": true, "event_id": ..., "replied": ...}
Callback receives the send as JSON: {"umo", "message_type", "session_id", "parts": [...], "text"}; a non-2xx answer
fails the send with the callback's status and body (im/message answers 502 with them).
"""
import argparse
import asyncio
import json
import os
import sys
import urllib.error
import urllib.request
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from astrgate_worker import BridgeError, Worker, text_of  # noqa: E402

MAX_BODY = 1024 * 1024


def post_json(url: str, body: dict) -> str:
    req = urllib.request.Request(url, data=json.dumps(body).encode("utf-8"), method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        raise RuntimeError("callback answered %d: %s" % (e.code, e.read().decode("utf-8", "replace")[:500]))
    except urllib.error.URLError as e:
        raise RuntimeError("callback unreachable: %s" % e.reason)


async def respond(writer: asyncio.StreamWriter, status: int, body: dict) -> None:
    data = json.dumps(body).encode("utf-8")
    reason = {200: "OK", 202: "Accepted", 400: "Bad Request", 404: "Not Found", 413: "Payload Too Large",
              502: "Bad Gateway"}.get(status, "Error")
    writer.write(b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
                 % (status, reason.encode(), len(data)) + data)
    await writer.drain()
    writer.close()


def handler_for(worker: Worker):
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError):
            writer.close()
            return
        lines = head.decode("latin-1").split("\r\n")
        method, path = (lines[0].split(" ") + ["", ""])[:2]
        headers = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:] if l)}
        if method != "POST" or path != "/incoming":
            await respond(writer, 404, {"ok": False, "error": "POST /incoming only"})
            return
        try:
            length = int(headers.get("content-length", "0"))
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            await respond(writer, 413, {"ok": False, "error": "body must be 0..%d bytes" % MAX_BODY})
            return
        try:
            msg = json.loads((await reader.readexactly(length)).decode("utf-8"))
            if not isinstance(msg, dict) or not isinstance(msg.get("session_id"), str) \
                    or not isinstance(msg.get("text"), str):
                raise ValueError("session_id and text (strings) are required")
        except (ValueError, asyncio.IncompleteReadError) as e:
            await respond(writer, 400, {"ok": False, "error": str(e)})
            return
        user = msg.get("user_id", msg["session_id"])
        inbound = {"session_id": msg["session_id"], "text": msg["text"],
                   "message_type": msg.get("message_type", "FriendMessage"),
                   "sender": {"user_id": user, "nickname": msg.get("nickname", user)},
                   "mentioned": bool(msg.get("mentioned", False))}
        inbound["message_id"] = str(msg.get("message_id") or uuid.uuid4().hex)
        try:
            ack = await worker.send_inbound(inbound)
            await respond(writer, 202, ack)
        except BridgeError as e:
            await respond(writer, 502, {"ok": False, "error": str(e), "code": e.code})
    return handle


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nodes", default=os.environ.get("ASTRGATE_NODES", "127.0.0.1:7870"))
    ap.add_argument("--platform", default=os.environ.get("ASTRGATE_PLATFORM", "webhook"))
    ap.add_argument("--listen", default=os.environ.get("WEBHOOK_LISTEN", "127.0.0.1:8088"))
    ap.add_argument("--callback", default=os.environ.get("WEBHOOK_CALLBACK"))
    args = ap.parse_args()
    key = os.environ.get("ASTRGATE_KEY")
    if not key or not args.callback:
        sys.exit("set ASTRGATE_KEY (a key with the platform scope) and WEBHOOK_CALLBACK (or --callback)")
    worker = Worker(args.nodes.split(","), key, args.platform, name="webhook")
    seq = [0]

    async def on_send(send):
        await asyncio.to_thread(post_json, args.callback, dict(send, text=text_of(send)))
        seq[0] += 1
        return {"message_id": "wh%d" % seq[0]}

    worker.on_send(on_send)
    worker.on("claimed", lambda a: print("claimed %s on %s (epoch %s)" % (a["platform_id"], a["node"], a["epoch"]),
                                          file=sys.stderr, flush=True))
    worker.on("disconnected", lambda n: print("lost %s:%s, failing over" % n, file=sys.stderr, flush=True))
    await worker.start()
    host, _, port = args.listen.rpartition(":")
    server = await asyncio.start_server(handler_for(worker), host or "127.0.0.1", int(port))
    print("listening on http://%s/incoming" % args.listen, file=sys.stderr, flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
