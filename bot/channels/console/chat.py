"""Console channel: numbered choices, typed answers, the same dialog as every other channel."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TextIO

from bot.i18n import Translator
from bot.services.dialog import Dialog
from bot.services.io import Inbound, Out, OutFile
from bot.services.policy import OPEN

CHANNEL = "console"
DEMO_USER = "demo"


def render(message: Out) -> str:
    lines = []
    if message.title:
        lines.append(f"== {message.title} ==")
    lines.append(message.text)
    if message.options and not message.remember_options:
        pass  # a one-tap extra (e.g. appeal) the text already says how to type
    elif message.options and all(len(o.label) <= 3 for o in message.options):
        lines.append("  " + "   ".join(f"[{o.label}]" for o in message.options))
    else:
        for i, option in enumerate(message.options, start=1):
            lines.append(f"  {i}. {option.label}")
    return "\n".join(lines)


class ConsoleOutbound:
    """Prints messages; files are written next to the database and their path printed."""

    channel = CHANNEL
    policy = OPEN  # no messaging window, no monthly budget

    def __init__(self, out: TextIO | None = None, files_dir: Path = Path("hocai-files")) -> None:
        self.out = out or sys.stdout
        self.files_dir = files_dir

    async def send(self, chat_id: str, message: Out) -> None:
        text = render(message)
        if message.file is not None:
            text += "\n" + self.save(message.file)
        if message.voice is not None:  # a terminal cannot play it: the file is there to open
            text += "\n" + self.save(message.voice, audio=True)
        self.out.write("\n" + text + "\n")
        self.out.flush()

    def save(self, file: OutFile, audio: bool = False) -> str:
        """Write the file and say where; when the folder cannot be used (its name is taken by a
        file, no permission, a full disk), say so kindly and show the content instead (a text
        file's; audio cannot be shown)."""
        path = self.files_dir / file.name
        try:
            self.files_dir.mkdir(parents=True, exist_ok=True)
            path.write_bytes(file.content)
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            said = Translator()("console.file_failed", folder=str(self.files_dir), reason=reason)
            return said if audio else said + "\n" + file.content.decode("utf-8", errors="replace")
        return f"  [bài đọc đã lưu, mở để nghe: {path}]" if audio else f"  [tệp đã lưu: {path}]"


async def _read_line(stream: TextIO) -> str | None:
    line = await asyncio.to_thread(stream.readline)
    return None if line == "" else line.rstrip("\n")


async def run_console(
    dialog: Dialog,
    outbound: ConsoleOutbound,
    stdin: TextIO | None = None,
    first_message: str | None = None,
    prompt: str = "> ",
) -> None:
    """Read lines until end of input; each line is one message from the demo learner."""
    stdin = stdin or sys.stdin
    counter = 0

    async def say(text: str) -> None:
        nonlocal counter
        counter += 1
        event = Inbound(
            channel=CHANNEL,
            external_id=DEMO_USER,
            chat_id=DEMO_USER,
            kind="text",
            text=text,
            display_name="Bạn Demo",
        )
        for message in await dialog.handle(event):
            await outbound.send(DEMO_USER, message)

    if first_message:
        await say(first_message)
    while True:
        outbound.out.write(prompt)
        outbound.out.flush()
        line = await _read_line(stdin)
        if line is None:
            outbound.out.write("\nTạm biệt! Hẹn gặp lại.\n")
            return
        if line.strip():
            await say(line)
