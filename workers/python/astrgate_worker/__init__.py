"""astrgate adapter worker client: the TCP event-bus bridge's frames (4-byte big-endian length + JSON) and the
worker protocol of docs/workers.md, on the standard library only (asyncio, Python 3.9+)."""

import asyncio
import json
import ssl as _ssl
import struct
import time
import uuid
from typing import Any, Awaitable, Callable, Dict, List, Optional, Union

__all__ = ["Worker", "BridgeError", "InvalidSend", "text_of",
           "CLAIM", "INBOUND", "ATTACHMENT", "SEND"]

CLAIM = "astrgate.worker.claim"
INBOUND = "astrgate.worker.inbound"
ATTACHMENT = "astrgate.worker.attachment"
SEND = "astrgate.worker.send"
MAX_INCOMING_FRAME = 64 * 1024 * 1024


class BridgeError(Exception):
    """An error the node answered a request with; ``code`` is the frame's failureCode (401, 403, 404, 409, ...)."""

    def __init__(self, message: str, code: Optional[int] = None):
        super().__init__(message)
        self.code = code


class InvalidSend(Exception):
    """Raise from a send handler when the request itself is wrong (answered as 400, not 502)."""


def _parse_node(spec: Union[str, tuple]) -> tuple:
    if isinstance(spec, tuple):
        return spec
    host, _, port = spec.rpartition(":")
    return (host or "127.0.0.1", int(port))


def text_of(send: Dict[str, Any]) -> str:
    """The text of a send's plain parts, with a placeholder per other part."""
    out = []
    for p in send.get("parts") or []:
        if p.get("type") == "plain":
            out.append(p.get("text", ""))
        else:
            out.append("[%s%s]" % (p.get("type"), " " + p["filename"] if p.get("filename") else ""))
    return "".join(out)


SendHandler = Callable[[Dict[str, Any]], Awaitable[Optional[Dict[str, Any]]]]


class Worker:
    """One platform held by this process: connects to the first node that answers, claims the platform, pings,
    delivers sends to the handler, and fails over to the next node with backoff when its node goes away."""

    def __init__(self, nodes: List[Union[str, tuple]], key: str, platform_id: str, name: str = "python-worker",
                 ssl: Optional[_ssl.SSLContext] = None, backoff: float = 0.1, max_backoff: float = 2.0,
                 request_timeout: float = 330.0):
        if not nodes:
            raise ValueError("nodes: at least one host:port")
        self.nodes = [_parse_node(n) for n in nodes]
        self.key = key
        self.platform_id = platform_id
        self.name = name
        self.ssl = ssl
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.request_timeout = request_timeout
        self.node: Optional[tuple] = None
        self.claim_answer: Optional[Dict[str, Any]] = None
        self._handler: SendHandler = self._no_handler
        self._listeners: Dict[str, List[Callable[..., Any]]] = {}
        self._writer: Optional[asyncio.StreamWriter] = None
        self._pending: Dict[str, asyncio.Future] = {}
        self._claimed = asyncio.Event()
        self._closed = False
        self._fatal: Optional[BridgeError] = None
        self._task: Optional[asyncio.Task] = None
        self._first: Optional[asyncio.Future] = None

    @staticmethod
    async def _no_handler(send: Dict[str, Any]) -> Dict[str, Any]:
        return {}

    def on_send(self, handler: SendHandler) -> "Worker":
        """``async handler(send) -> {"message_id": ...} | None``; raise to fail the send (InvalidSend for 400)."""
        self._handler = handler
        return self

    def on(self, event: str, listener: Callable[..., Any]) -> "Worker":
        """Events: claimed(answer), disconnected(node), refused(error), error(error, fatal), frame_error(frame)."""
        self._listeners.setdefault(event, []).append(listener)
        return self

    def _emit(self, event: str, *args: Any) -> None:
        for f in self._listeners.get(event, []):
            f(*args)

    async def start(self) -> Dict[str, Any]:
        """Connects and claims; returns the first claim's answer, raises BridgeError on a fatal refusal."""
        self._first = asyncio.get_running_loop().create_future()
        self._task = asyncio.ensure_future(self._run())
        return await self._first

    async def send_inbound(self, message: Dict[str, Any]) -> Dict[str, Any]:
        """Hands a user message to the gateway; waits for a claim while failing over. Returns the node's ack."""
        m = dict(message)
        m.setdefault("platform_id", self.platform_id)
        m.setdefault("message_type", "FriendMessage")
        m.setdefault("umo", "%s:%s:%s" % (self.platform_id, m["message_type"], m["session_id"]))
        if "text" not in m:
            m["text"] = "".join(p.get("text", "") for p in m.get("parts") or [] if p.get("type") == "plain")
        m.setdefault("parts", [{"type": "plain", "text": m["text"]}])
        m.setdefault("timestamp", int(time.time()))
        await self._ready()
        return await self._request(INBOUND, m)

    async def attachment(self, attachment_id: str) -> Dict[str, Any]:
        """The bytes of an attachment a send named by id; ``data`` is bytes."""
        import base64
        await self._ready()
        r = await self._request(ATTACHMENT, {"attachment_id": attachment_id})
        r["data"] = base64.b64decode(r["data"])
        return r

    async def close(self) -> None:
        """Closes the connection; the gateway releases the platform at once."""
        self._closed = True
        if self._writer is not None:
            self._writer.close()
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass

    async def _ready(self) -> None:
        if self._fatal is not None:
            raise self._fatal
        if self._closed:
            raise BridgeError("worker closed", 503)
        await asyncio.wait_for(self._claimed.wait(), self.request_timeout)

    async def _run(self) -> None:
        index = 0
        failures = 0
        while not self._closed:
            host, port = self.nodes[index % len(self.nodes)]
            claimed = False
            try:
                reader, writer = await asyncio.open_connection(host, port, ssl=self.ssl)
            except OSError:
                reader = writer = None
            if writer is not None:
                self._writer = writer
                self.node = (host, port)
                claimed = await self._session(reader, writer)
                if not self._closed:
                    self._emit("disconnected", (host, port))
            if self._closed or self._fatal is not None:
                return
            index += 1
            failures = 0 if claimed else failures + 1
            if failures:
                await asyncio.sleep(min(self.max_backoff, self.backoff * 2 ** min(failures - 1, 10)))

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """One connection: claim (retried while another worker holds it), ping, read frames until it ends."""
        sock = writer.get_extra_info("socket")
        if sock is not None:
            import socket
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        read_task = asyncio.ensure_future(self._read(reader, writer))
        ping_task = None
        claimed = False
        try:
            refusals = 0
            while not read_task.done():
                try:
                    answer = await self._request(CLAIM, {"platform_id": self.platform_id, "worker": self.name},
                                                 {"authorization": "Bearer " + self.key}, 10.0)
                    break
                except BridgeError as e:
                    if e.code in (409, 503):
                        self._emit("refused", e)
                        await asyncio.sleep(min(self.max_backoff, self.backoff * 2 ** min(refusals, 10)))
                        refusals += 1
                        continue
                    if e.code in (400, 401, 403, 404):
                        self._fatal = e
                        self._emit("error", e)
                        if self._first is not None and not self._first.done():
                            self._first.set_exception(e)
                    return False
            else:
                return False
            claimed = True
            self.claim_answer = answer
            self._claimed.set()
            ping_task = asyncio.ensure_future(self._ping(writer, answer.get("ping_interval_ms", 5000) / 1000.0))
            self._emit("claimed", answer)
            if self._first is not None and not self._first.done():
                self._first.set_result(answer)
            await read_task
            return True
        finally:
            self._claimed.clear()
            if ping_task is not None:
                ping_task.cancel()
            read_task.cancel()
            writer.close()
            for f in self._pending.values():
                if not f.done():
                    f.set_exception(BridgeError("connection lost", 503))
            self._pending.clear()
            if self._writer is writer:
                self._writer = None

    async def _ping(self, writer: asyncio.StreamWriter, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            self._write(writer, {"type": "ping"})

    async def _read(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readexactly(4)
                (length,) = struct.unpack(">I", head)
                if length > MAX_INCOMING_FRAME:
                    return
                data = await reader.readexactly(length)
                try:
                    msg = json.loads(data.decode("utf-8"))
                except ValueError:
                    continue
                self._on_frame(writer, msg)
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            return
        finally:
            for f in list(self._pending.values()):
                if not f.done():
                    f.set_exception(BridgeError("connection lost", 503))

    def _on_frame(self, writer: asyncio.StreamWriter, msg: Dict[str, Any]) -> None:
        kind = msg.get("type")
        if kind == "pong":
            return
        fut = self._pending.pop(msg.get("address"), None) if msg.get("address") else None
        if fut is not None:
            if not fut.done():
                if kind == "err":
                    fut.set_exception(BridgeError(msg.get("message", ""), msg.get("failureCode")))
                else:
                    fut.set_result(msg.get("body"))
            return
        if kind == "err":
            self._emit("frame_error", msg)
        elif kind == "message" and msg.get("address") == SEND:
            asyncio.ensure_future(self._deliver(writer, msg))

    async def _deliver(self, writer: asyncio.StreamWriter, msg: Dict[str, Any]) -> None:
        try:
            r = await self._handler(msg.get("body") or {}) or {}
            reply = {"type": "send", "address": msg.get("replyAddress"),
                     "body": {"ok": True, "message_id": r.get("message_id")}}
        except InvalidSend as e:
            reply = {"type": "send", "address": msg.get("replyAddress"), "failureCode": 400, "message": str(e)}
        except Exception as e:  # the platform's own words go back to im/message
            reply = {"type": "send", "address": msg.get("replyAddress"), "failureCode": 502, "message": str(e)}
        if msg.get("replyAddress"):
            self._write(writer, reply)

    async def _request(self, address: str, body: Dict[str, Any], headers: Optional[Dict[str, str]] = None,
                       timeout: Optional[float] = None) -> Dict[str, Any]:
        writer = self._writer
        if writer is None:
            raise BridgeError("not connected", 503)
        reply = "p." + uuid.uuid4().hex
        fut = asyncio.get_running_loop().create_future()
        self._pending[reply] = fut
        frame: Dict[str, Any] = {"type": "send", "address": address, "replyAddress": reply, "body": body}
        if headers:
            frame["headers"] = headers
        self._write(writer, frame)
        try:
            return await asyncio.wait_for(fut, timeout or self.request_timeout)
        except asyncio.TimeoutError:
            raise BridgeError(address + ": no answer", 504)
        finally:
            self._pending.pop(reply, None)

    @staticmethod
    def _write(writer: asyncio.StreamWriter, frame: Dict[str, Any]) -> None:
        if writer.is_closing():
            return
        data = json.dumps(frame, separators=(",", ":")).encode("utf-8")
        writer.write(struct.pack(">I", len(data)) + data)
