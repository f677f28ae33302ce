"""Bench worker: the Python reference client answering every send at once."""
import asyncio
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "workers", "python"))
from astrgate_worker import Worker  # noqa: E402


async def main():
    w = Worker(os.environ["NODES"].split(","), os.environ["KEY"], os.environ["PLATFORM"], name="bench-echo")
    n = [0]

    async def on_send(send):
        n[0] += 1
        return {"message_id": "b%d" % n[0]}

    w.on_send(on_send)
    w.on("claimed", lambda a: print("claimed %s on %s" % (a["platform_id"], a["node"]), flush=True))
    await w.start()
    await asyncio.Event().wait()


asyncio.run(main())
