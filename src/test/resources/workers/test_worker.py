"""Test worker on the real Python client: JSON lines on stdout for what happens, commands as JSON lines on stdin.
A send whose text starts with "FAIL " is failed with the rest of the text, as a platform error."""
import asyncio
import json
import os
import sys

sys.path.insert(0, os.environ["WORKER_CLIENT"])
from astrgate_worker import BridgeError, Worker, text_of  # noqa: E402


def out(o):
    sys.stdout.write(json.dumps(o) + "\n")
    sys.stdout.flush()


async def main():
    w = Worker(os.environ["NODES"].split(","), os.environ["KEY"], os.environ["PLATFORM"], name="test-python-worker")
    n = [0]

    async def on_send(send):
        text = text_of(send)
        out({"event": "send", "body": send})
        if text.startswith("FAIL "):
            raise RuntimeError(text[5:])
        n[0] += 1
        return {"message_id": "p%d" % n[0]}

    w.on_send(on_send)
    w.on("claimed", lambda a: out({"event": "claimed", "answer": a}))
    w.on("disconnected", lambda d: out({"event": "disconnected", "node": "%s:%s" % d}))
    w.on("refused", lambda e: out({"event": "refused", "code": e.code, "message": str(e)}))

    def fatal(e):
        out({"event": "error", "code": e.code, "message": str(e)})
        os._exit(3)

    w.on("error", fatal)
    asyncio.ensure_future(w.start())
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    async def run(cmd):
        try:
            if cmd["cmd"] == "inbound":
                out({"event": "ack", "id": cmd["id"], "body": await w.send_inbound(cmd["message"])})
            elif cmd["cmd"] == "attachment":
                a = await w.attachment(cmd["attachment_id"])
                out({"event": "attachment", "id": cmd["id"], "size": len(a["data"]), "filename": a["filename"]})
        except BridgeError as e:
            out({"event": "nack", "id": cmd["id"], "code": e.code, "message": str(e)})

    while True:
        line = await reader.readline()
        if not line:
            break
        asyncio.ensure_future(run(json.loads(line)))
    await asyncio.sleep(3600)


asyncio.run(main())
