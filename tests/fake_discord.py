"""A small fake Discord on 127.0.0.1: the REST routes and the gateway the bot uses.

The real discord.py client is pointed at it (`Route.BASE`, `DEFAULT_GATEWAY`) and
tests assert on what the bot sent. It records every request, enforces Discord's
3-second interaction deadline and single callback, echoes the bot's own messages
back over the gateway like Discord does, and can inject 429s and 5xxs.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

TOKEN = "fake-token-123.abc.XYZ"
APP_ID = 111111111111111111
BOT_ID = 222222222222222222
GUILD_ID = 333333333333333333
ALL_PERMISSIONS = 2147483647
MANAGE_SERVER = 1 << 5
CHANNEL_ID = 444444444444444444
JSON = "application/json"

_ids = itertools.count(900000000000000000)


def snowflake() -> str:
    return str(next(_ids))


def user(uid: int, name: str, bot: bool = False) -> dict[str, Any]:
    return {
        "id": str(uid),
        "username": name,
        "discriminator": "0",
        "avatar": None,
        "global_name": name,
        "bot": bot,
    }


BOT_USER = user(BOT_ID, "articlebot", bot=True)


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())


def respond(
    data: Any = None, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """A JSON response with the exact content type discord.py expects."""
    if data is None and status == 204:
        return web.Response(status=204, headers=headers)
    return web.Response(
        status=status, body=json.dumps(data).encode(), content_type=JSON, headers=headers
    )


@dataclass
class Recorded:
    method: str
    path: str
    body: Any
    at: float


@dataclass
class Interaction:
    id: str
    token: str
    created: float
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    callback_times: list[float] = field(default_factory=list)
    edits: list[dict[str, Any]] = field(default_factory=list)
    edit_times: list[float] = field(default_factory=list)  # seconds after it was created
    followups: list[dict[str, Any]] = field(default_factory=list)


class FakeDiscord:
    """The fake server; start it with `await fake.start()`, stop with `await fake.stop()`."""

    def __init__(self, deadline: float = 3.0, compress: bool = True) -> None:
        self.deadline = deadline
        self.compress = compress
        self.requests: list[Recorded] = []
        self.interactions: dict[str, Interaction] = {}
        self.messages: list[dict[str, Any]] = []  # messages the bot created
        self.commands: dict[str, list[dict[str, Any]]] = {}  # scope -> registered commands
        self.identifies = 0
        self.files: dict[str, bytes] = {}  # attachment id -> content, served at /files/{id}
        self.pages: dict[str, bytes] = {}  # name -> an HTML page, served at /pages/{name}
        self.page_delay = 0.0  # seconds each page takes to arrive
        self.page_trickle = 0.0  # if set, a page's body comes one byte each this many seconds
        self.page_etags: dict[str, str] = {}  # name -> the ETag a page is served with
        self.page_modified: dict[str, str] = {}  # name -> its Last-Modified
        self.page_status: dict[str, int] = {}  # name -> a status answered instead (410, 500)
        self.page_hits: list[tuple[str, int]] = []  # (name, status) of each page request
        self.identify_payloads: list[dict[str, Any]] = []
        self.recommended_shards = 1  # what GET /gateway/bot advises
        self.resumes = 0
        self.failures: dict[str, list[int]] = {}  # route key -> statuses to answer first
        self._sockets: list[web.WebSocketResponse] = []
        self._seq = 0
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ---- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application(middlewares=[self._record])
        api = "/api/v10"
        app.router.add_get("/gw/", self._gateway)
        app.router.add_get("/files/{id}", self._file)
        app.router.add_get("/pages/{name}", self._page)
        app.router.add_get(f"{api}/users/@me", self._me)
        app.router.add_get(f"{api}/gateway/bot", self._gateway_bot)
        app.router.add_get(f"{api}/oauth2/applications/@me", self._application)
        app.router.add_put(f"{api}/applications/{{app}}/commands", self._put_commands)
        app.router.add_put(
            f"{api}/applications/{{app}}/guilds/{{guild}}/commands", self._put_commands
        )
        app.router.add_post(f"{api}/interactions/{{id}}/{{token}}/callback", self._callback)
        app.router.add_patch(
            f"{api}/webhooks/{{app}}/{{token}}/messages/@original", self._edit_original
        )
        app.router.add_post(f"{api}/webhooks/{{app}}/{{token}}", self._followup)
        app.router.add_post(f"{api}/channels/{{channel}}/messages", self._create_message)
        app.router.add_put(
            f"{api}/channels/{{channel}}/messages/{{message}}/reactions/{{emoji}}/@me",
            self._no_content,
        )
        app.router.add_post(f"{api}/users/@me/channels", self._open_dm)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gw/"

    # ---- waiting on outcomes ----------------------------------------------------------------
    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Poll until `predicate()` is truthy; return its value or fail after `timeout`."""
        end = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > end:
                raise AssertionError("timed out waiting for the bot")
            await asyncio.sleep(0.01)

    def requests_to(self, fragment: str, method: str | None = None) -> list[Recorded]:
        return [
            r
            for r in self.requests
            if fragment in r.path and (method is None or r.method == method)
        ]

    # ---- gateway ---------------------------------------------------------------------------
    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        zlib_stream = self.compress and request.query.get("compress") == "zlib-stream"
        compressor = zlib.compressobj() if zlib_stream else None
        ws_state: dict[str, Any] = {"compressor": compressor}
        self._sockets.append(ws)
        ws._fake_state = ws_state  # type: ignore[attr-defined]
        await self._send(ws, {"op": 10, "d": {"heartbeat_interval": 41250}})
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                payload = json.loads(msg.data)
                op = payload["op"]
                if op == 1:
                    await self._send(ws, {"op": 11})
                elif op == 2:
                    self.identifies += 1
                    self.identify_payloads.append(payload["d"])
                    shard = payload["d"].get("shard") or [0, 1]
                    ws_state["shard"] = shard
                    if payload["d"].get("token") != TOKEN:
                        await ws.close(code=4004, message=b"Authentication failed.")
                        break
                    await self._dispatch_to(
                        ws,
                        "READY",
                        {
                            "v": 10,
                            "user": BOT_USER,
                            "guilds": [],
                            "session_id": "session-1",
                            "resume_gateway_url": self.gateway_url,
                            "shard": shard,
                            "application": {"id": str(APP_ID), "flags": 0},
                        },
                    )
                elif op == 6:
                    self.resumes += 1
                    await self._dispatch_to(ws, "RESUMED", {})
        finally:
            if ws in self._sockets:
                self._sockets.remove(ws)
        return ws

    async def _send(self, ws: web.WebSocketResponse, payload: dict[str, Any]) -> None:
        data = json.dumps(payload)
        compressor = ws._fake_state["compressor"]  # type: ignore[attr-defined]
        if compressor is None:
            await ws.send_str(data)
        else:
            await ws.send_bytes(
                compressor.compress(data.encode()) + compressor.flush(zlib.Z_SYNC_FLUSH)
            )

    async def _dispatch_to(self, ws: web.WebSocketResponse, event: str, data: Any) -> None:
        self._seq += 1
        await self._send(ws, {"op": 0, "s": self._seq, "t": event, "d": data})

    async def dispatch(self, event: str, data: Any) -> None:
        """Send an event to the gateway sockets of the shard it belongs to, as Discord does:
        a server's events to shard (server id >> 22) % shard count, direct messages to
        shard 0."""
        for ws in list(self._sockets):
            shard_id, shard_count = ws._fake_state.get("shard", [0, 1])  # type: ignore[attr-defined]
            guild_id = int(data.get("guild_id") or 0) if isinstance(data, dict) else 0
            if (guild_id >> 22) % shard_count == shard_id:
                await self._dispatch_to(ws, event, data)

    async def drop_connections(self) -> None:
        """Close every gateway socket as a network failure would (the bot should resume)."""
        for ws in list(self._sockets):
            await ws.close(code=4000, message=b"Unknown error")

    # ---- what a test makes users do ---------------------------------------------------------
    async def slash(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        user_id: int = 555,
        dm: bool = False,
        guild_id: int = GUILD_ID,
        locale: str = "en-US",
    ) -> Interaction:
        """A user runs `/name` with `options`, in a server channel or in a DM; `locale` is
        the language of the user's Discord."""
        opts = [
            {"name": k, "type": _option_type(v), "value": v} for k, v in (options or {}).items()
        ]
        data = {"id": snowflake(), "name": name, "type": 1, "options": opts}
        return await self._interact(data, user_id, dm, guild_id=guild_id, locale=locale)

    async def subcommand(
        self,
        group: str,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        user_id: int = 555,
        permissions: int = ALL_PERMISSIONS,
        files: dict[str, tuple[str, bytes]] | None = None,
        focused: str | None = None,
        guild_id: int = GUILD_ID,
    ) -> Interaction:
        """A member runs `/group name` with `options` in the server channel. `files` are
        attachments (option name -> file name and content, served by the fake); with
        `focused`, the member is typing that option: an autocomplete interaction."""
        opts: list[dict[str, Any]] = [
            {"name": k, "type": _option_type(v), "value": v} for k, v in (options or {}).items()
        ]
        for typed in opts:
            if typed["name"] == focused:
                typed["focused"] = True
        resolved: dict[str, Any] = {}
        site = self.api_base.rsplit("/api", 1)[0]
        for option, (filename, content) in (files or {}).items():
            attachment_id = snowflake()
            self.files[attachment_id] = content
            opts.append({"name": option, "type": 11, "value": attachment_id})
            resolved.setdefault("attachments", {})[attachment_id] = {
                "id": attachment_id,
                "filename": filename,
                "size": len(content),
                "url": f"{site}/files/{attachment_id}",
                "proxy_url": f"{site}/files/{attachment_id}",
                "content_type": "text/plain",
            }
        data: dict[str, Any] = {
            "id": snowflake(),
            "name": group,
            "type": 1,
            "options": [{"name": name, "type": 1, "options": opts}],
        }
        if resolved:
            data["resolved"] = resolved
        kind = 4 if focused else 2
        return await self._interact(
            data, user_id, dm=False, kind=kind, permissions=permissions, guild_id=guild_id
        )

    async def context_menu(
        self, name: str, content: str, *, user_id: int = 555, locale: str = "en-US"
    ) -> Interaction:
        """A user picks a message command on a message with `content`."""
        message = self.message_payload(content, user(777, "someone"), guild=True)
        data = {
            "id": snowflake(),
            "name": name,
            "type": 3,
            "target_id": message["id"],
            "resolved": {"messages": {message["id"]: message}},
        }
        return await self._interact(data, user_id, dm=False, locale=locale)

    async def _interact(
        self,
        data: dict[str, Any],
        user_id: int,
        dm: bool,
        kind: int = 2,
        permissions: int = ALL_PERMISSIONS,
        guild_id: int = GUILD_ID,
        locale: str = "en-US",
        message: dict[str, Any] | None = None,
    ) -> Interaction:
        iid, token = snowflake(), f"itoken-{snowflake()}"
        author = user(user_id, f"user{user_id}")
        payload: dict[str, Any] = {
            "id": iid,
            "application_id": str(APP_ID),
            "type": kind,
            "token": token,
            "version": 1,
            "data": data,
            "attachment_size_limit": 8 * 1024 * 1024,
            "app_permissions": "0",
            "locale": locale,
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild_id)},
        }
        if message is not None:
            payload["message"] = message
        if dm:
            payload.update(
                user=author,
                channel={"id": str(CHANNEL_ID + 1), "type": 1},
                channel_id=str(CHANNEL_ID + 1),
                context=1,
            )
        else:
            payload.update(
                guild_id=str(guild_id),
                channel_id=str(CHANNEL_ID),
                context=0,
                channel={
                    "id": str(CHANNEL_ID),
                    "type": 0,
                    "guild_id": str(guild_id),
                    "name": "general",
                    "position": 0,
                    "permission_overwrites": [],
                },
                member={
                    "user": author,
                    "roles": [],
                    "flags": 0,
                    "joined_at": _now(),
                    "permissions": str(permissions),
                    "deaf": False,
                    "mute": False,
                },
            )
        interaction = Interaction(iid, token, time.monotonic())
        self.interactions[token] = interaction
        await self.dispatch("INTERACTION_CREATE", payload)
        return interaction

    async def click(
        self,
        message: dict[str, Any],
        custom_id: str,
        *,
        user_id: int = 555,
        dm: bool = False,
        guild_id: int = GUILD_ID,
        locale: str = "en-US",
    ) -> Interaction:
        """A user clicks the button `custom_id` on a message of the bot (a
        MESSAGE_COMPONENT interaction carrying the message)."""
        data = {"custom_id": custom_id, "component_type": 2}
        return await self._interact(
            data, user_id, dm, kind=3, guild_id=guild_id, locale=locale, message=message
        )

    def response_message(self, interaction: Interaction) -> dict[str, Any]:
        """The message an interaction's response became, as its last edit left it."""
        return self._webhook_message(interaction.edits[-1])

    async def join_guild(self, guild_id: int = GUILD_ID, preferred_locale: str = "en-US") -> None:
        """The bot joins a server (GUILD_CREATE), whose community language is
        `preferred_locale`: from then on the bot knows the server of its messages."""
        await self.dispatch(
            "GUILD_CREATE",
            {
                "id": str(guild_id),
                "name": "a server",
                "icon": None,
                "owner_id": "999",
                "preferred_locale": preferred_locale,
                "features": [],
                "roles": [],
                "emojis": [],
                "stickers": [],
                "channels": [],
                "threads": [],
                "members": [],
                "voice_states": [],
                "presences": [],
                "member_count": 2,
                "large": False,
                "joined_at": _now(),
            },
        )

    def message_payload(
        self,
        content: str,
        author: dict[str, Any],
        *,
        guild: bool,
        mentions: list[dict[str, Any]] | None = None,
        channel_id: int = CHANNEL_ID,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "id": snowflake(),
            "channel_id": str(channel_id),
            "author": author,
            "content": content,
            "timestamp": _now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": mentions or [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
            "components": [],
        }
        if guild:
            message["guild_id"] = str(GUILD_ID)
            message["member"] = {
                "roles": [],
                "joined_at": _now(),
                "deaf": False,
                "mute": False,
                "flags": 0,
            }
        return message

    async def user_message(
        self,
        content: str,
        *,
        dm: bool,
        user_id: int = 555,
        bot: bool = False,
        mention_bot: bool = False,
        channel_id: int | None = None,
        reply_to: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A user (or another bot) posts a message in a DM or a server channel (by default
        `CHANNEL_ID`), as a reply to the message `reply_to` if given."""
        mentions = [BOT_USER] if mention_bot else []
        channel = CHANNEL_ID + 1 if dm else channel_id or CHANNEL_ID
        message = self.message_payload(
            content,
            user(user_id, f"user{user_id}", bot=bot),
            guild=not dm,
            mentions=mentions,
            channel_id=channel,
        )
        if reply_to is not None:
            message["type"] = 19  # a reply
            message["message_reference"] = {
                "message_id": reply_to["id"],
                "channel_id": reply_to["channel_id"],
                **({"guild_id": str(GUILD_ID)} if not dm else {}),
            }
        await self.dispatch("MESSAGE_CREATE", message)
        return message

    # ---- REST ------------------------------------------------------------------------------
    @web.middleware
    async def _record(self, request: web.Request, handler: Any) -> web.StreamResponse:
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw
        self.requests.append(Recorded(request.method, request.path, body, time.monotonic()))
        key = (
            f"{request.method} {request.match_info.route.resource.canonical}"
            if request.match_info.route.resource
            else ""
        )
        for pattern, statuses in self.failures.items():
            if statuses and pattern in key:
                status = statuses.pop(0)
                if status == 429:
                    return respond(
                        {
                            "message": "You are being rate limited.",
                            "retry_after": 0.05,
                            "global": False,
                        },
                        429,
                        {"Via": "1.1 google", "Retry-After": "0.05"},
                    )
                return respond({"message": "Server error", "code": 0}, status)
        return await handler(request)  # type: ignore[no-any-return]

    async def _me(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bot {TOKEN}":
            return respond({"message": "401: Unauthorized", "code": 0}, 401)
        return respond(BOT_USER)

    async def _gateway_bot(self, request: web.Request) -> web.Response:
        return respond(
            {
                "url": self.gateway_url,
                "shards": self.recommended_shards,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 1000,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        )

    async def _application(self, request: web.Request) -> web.Response:
        return respond(
            {
                "id": str(APP_ID),
                "name": "article-bot",
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "owner": user(999, "owner"),
                "flags": 0,
                "interactions_endpoint_url": None,
            }
        )

    async def _put_commands(self, request: web.Request) -> web.Response:
        commands = await request.json()
        scope = request.match_info.get("guild", "global")
        for command in commands:
            command.update(id=snowflake(), application_id=str(APP_ID), version=snowflake())
            command.setdefault("description", "")
            if "guild" in request.match_info:
                command["guild_id"] = request.match_info["guild"]
        self.commands[scope] = commands
        return respond(commands)

    async def _callback(self, request: web.Request) -> web.Response:
        interaction = self.interactions.get(request.match_info["token"])
        if interaction is None or interaction.id != request.match_info["id"]:
            return respond({"message": "Unknown interaction", "code": 10062}, 404)
        now = time.monotonic()
        if now - interaction.created > self.deadline:
            return respond({"message": "Unknown interaction", "code": 10062}, 404)
        if interaction.callbacks:
            return respond(
                {"message": "Interaction has already been acknowledged.", "code": 40060}, 400
            )
        body = await request.json()
        if len((body.get("data") or {}).get("content") or "") > 2000:
            return respond({"message": "Invalid Form Body", "code": 50035}, 400)
        interaction.callbacks.append(body)
        interaction.callback_times.append(now - interaction.created)
        flags = (body.get("data") or {}).get("flags", 0)
        return respond(
            {
                "interaction": {
                    "id": interaction.id,
                    "type": 2,
                    "response_message_loading": body["type"] == 5,
                    "response_message_ephemeral": bool(flags & 64),
                },
                "resource": {"type": body["type"]},
            }
        )

    def _webhook_message(self, body: dict[str, Any]) -> dict[str, Any]:
        message = self.message_payload(body.get("content") or "", BOT_USER, guild=False)
        message.update(
            embeds=body.get("embeds") or [],
            components=body.get("components") or [],
            webhook_id=str(APP_ID),
            application_id=str(APP_ID),
        )
        return message

    async def _edit_original(self, request: web.Request) -> web.Response:
        return await self._webhook(request, "edits")

    async def _followup(self, request: web.Request) -> web.Response:
        return await self._webhook(request, "followups")

    async def _webhook(self, request: web.Request, kind: str) -> web.Response:
        """Record an edit of the original response or a follow-up message."""
        interaction = self.interactions.get(request.match_info["token"])
        if interaction is None:
            return respond({"message": "Unknown Webhook", "code": 10015}, 404)
        body = await request.json()
        if len(body.get("content") or "") > 2000:
            return respond({"message": "Invalid Form Body", "code": 50035}, 400)
        getattr(interaction, kind).append(body)
        if kind == "edits":
            interaction.edit_times.append(time.monotonic() - interaction.created)
        return respond(self._webhook_message(body))

    async def _create_message(self, request: web.Request) -> web.Response:
        body = await request.json()
        channel = int(request.match_info["channel"])
        message = self.message_payload(
            body.get("content") or "", BOT_USER, guild=channel != CHANNEL_ID + 1, channel_id=channel
        )
        message.update(embeds=body.get("embeds") or [], components=body.get("components") or [])
        if body.get("message_reference"):
            message["message_reference"] = body["message_reference"]
        self.messages.append({"request": body, "message": message})
        await self.dispatch("MESSAGE_CREATE", message)  # Discord echoes the bot's own messages
        return respond(message)

    async def _open_dm(self, request: web.Request) -> web.Response:
        body = await request.json()
        recipient = int(body["recipient_id"])
        return respond(
            {
                "id": str(CHANNEL_ID + 2),
                "type": 1,
                "last_message_id": None,
                "recipients": [user(recipient, f"user{recipient}")],
            }
        )

    async def _file(self, request: web.Request) -> web.Response:
        content = self.files.get(request.match_info["id"])
        if content is None:
            return web.Response(status=404)
        return web.Response(body=content, content_type="application/octet-stream")

    async def _page(self, request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(self.page_delay)
        name = request.match_info["name"]
        answer = self._page_answer(name, request)
        if answer is not None:
            self.page_hits.append((name, answer.status))
            return answer
        content = self.pages[name]
        self.page_hits.append((name, 200))
        headers = self._validators(name)
        if not self.page_trickle:
            return web.Response(body=content, content_type="text/html", headers=headers)
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        await response.prepare(request)
        with contextlib.suppress(ConnectionError):  # the bot gave up
            for byte in content:
                await response.write(bytes([byte]))
                await asyncio.sleep(self.page_trickle)
            await response.write_eof()
        return response

    def _validators(self, name: str) -> dict[str, str]:
        headers = {}
        if name in self.page_etags:
            headers["ETag"] = self.page_etags[name]
        if name in self.page_modified:
            headers["Last-Modified"] = self.page_modified[name]
        return headers

    def _page_answer(self, name: str, request: web.Request) -> web.Response | None:
        """A page's answer other than its body: a status set for it, 404 for a page it
        does not have, 304 to a conditional request its validators match."""
        if name in self.page_status:
            return web.Response(status=self.page_status[name], text="no page")
        if name not in self.pages:
            return web.Response(status=404, text="not found")
        etag, modified = self.page_etags.get(name), self.page_modified.get(name)
        if etag is not None and request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers=self._validators(name))
        if etag is None and modified and request.headers.get("If-Modified-Since") == modified:
            return web.Response(status=304, headers=self._validators(name))
        return None

    def page_url(self, name: str) -> str:
        """Where the fake serves `pages[name]`."""
        return f"http://127.0.0.1:{self.port}/pages/{name}"

    async def _no_content(self, request: web.Request) -> web.Response:
        return respond(status=204)


def _option_type(value: Any) -> int:
    if isinstance(value, bool):
        return 5
    if isinstance(value, int):
        return 4
    return 3
