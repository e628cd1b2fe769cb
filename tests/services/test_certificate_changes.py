"""After issue: a revoked certificate is told to its learner (once, through the outbox and the
sender) and shown as revoked; a misspelt printed name is corrected once by the learner in the
chat, then only by an official (`hocai certificates rename`), keeping the code; every change is
recorded and the verification shows the current name only."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.app import App
from bot.i18n import Translator
from bot.services import certificates, outbox
from bot.services.io import Out
from scoring.certificate_code import shown
from tests.conftest import Chat, Clock, text_of
from tests.instr.conftest import recording
from tests.services.test_certificates import issued_certificate
from tests.services.test_honours import hocai

VI = Translator("vi")


def keys(out: list[Out]) -> list[str]:
    return [o.key for m in out for o in m.options]


async def test_a_revoked_certificate_is_told_to_the_learner_once(
    any_app: App, clock: Clock
) -> None:
    code = await issued_certificate(any_app, "8301")
    wire = recording(any_app, "telegram")
    async with any_app.store.transaction() as repo:
        outcome, record = await certificates.revoke(
            repo, shown(code), "Cán bộ Lan", "bài làm sao chép", clock.now
        )
        assert outcome == "revoked" and record is not None
    async with any_app.store.transaction() as repo:  # twice: nothing more is queued
        assert (await certificates.revoke(repo, code, "x", "lần hai", clock.now))[0] == "already"
    await outbox.drain(any_app.deps, any_app.sender)
    await outbox.drain(any_app.deps, any_app.sender)  # a second worker, a restart: nothing
    (told,) = wire.to("8301")
    assert told.title == VI("cert.revoked_told_title")
    assert "bài làm sao chép" in told.text and shown(code) in told.text and "Bậc 1" in told.text

    chat = Chat(any_app, "8301")
    out = await chat.send("chung nhan")  # typed without diacritics
    assert "đã thu hồi (bài làm sao chép)" in text_of(out)
    assert not [k for k in keys(out) if k.startswith(("cert:send:", "cert:fix:"))]
    assert "thu hồi" in text_of(await chat.tap(f"cert:fix:{record.id}"))  # a stale button
    async with any_app.store.transaction() as repo:
        assert (await certificates.rename(repo, code, "Nguyễn Thị Hòa", "x", clock.now))[
            0
        ] == "revoked"


async def test_the_learner_corrects_a_misspelt_name_once_then_an_official(
    any_app: App, clock: Clock
) -> None:
    code = await issued_certificate(any_app, "8302")
    wire = recording(any_app, "telegram")
    chat = Chat(any_app, "8302")
    out = await chat.send("/certificate")
    (fix,) = [k for k in keys(out) if k.startswith("cert:fix:")]
    asked = text_of(await chat.tap(fix))
    assert "Nguyễn Thị Hoa" in asked and "một lần" in asked
    assert VI("cert.bad_name.no_letters") in text_of(await chat.send("😀😀😀"))  # asked again
    assert "giống tên đang in" in text_of(await chat.send("Nguyễn Thị Hoa"))
    await chat.tap(fix)
    out = await chat.send("Nguyễn   Thị Hòa")
    assert "Tên cũ: «Nguyễn Thị Hoa»" in text_of(out) and "Tên mới: «Nguyễn Thị Hòa»" in text_of(
        out
    )
    (ok,) = [k for k in keys(out) if k.startswith("cert:fixok:")]
    done = await chat.tap(ok)
    assert done[0].title == VI("cert.fixed_title") and shown(code) in done[0].text
    assert any(m.file is not None for m in done)  # the new copy, same code
    again = await chat.tap(ok)  # a double tap: the certificate as it is, nothing changed
    assert VI("cert.fixed_title") not in [m.title for m in again]
    async with any_app.store.transaction() as repo:
        found = await certificates.verify(repo, code)
        assert found.status == "valid" and found.record is not None
        assert found.record.full_name == "Nguyễn Thị Hòa"  # the page shows the current name
        changes = await repo.certificates.changes(found.record.id)
    assert [(c.old, c.new, c.by_learner) for c in changes] == [
        ("Nguyễn Thị Hoa", "Nguyễn Thị Hòa", True)
    ]  # a double tap changed nothing more
    assert changes[0].by.startswith("learner:")
    used = text_of(await chat.tap(fix))
    assert "một lần rồi" in used and shown(code) in used
    assert "Nguyễn Văn" not in text_of(await chat.send("Nguyễn Văn Hoa"))  # not a name step

    # An official corrects it after that; bad inputs change nothing.
    async with any_app.store.transaction() as repo:
        for bad_code, name, outcome in (
            ("x" * 10_000, "Nguyễn Thị Hoà", "malformed"),
            (code, "🌸🌸", "bad_name"),
            (code, "Nguyễn Thị Hòa", "same"),
        ):
            assert (await certificates.rename(repo, bad_code, name, "Cán bộ Lan", clock.now))[
                0
            ] == outcome
        outcome, record = await certificates.rename(
            repo, code, "Nguyễn Thị Hoà Bình", "Cán bộ Lan", clock.now
        )
        assert outcome == "renamed" and record is not None
        changes = await repo.certificates.changes(record.id)
    assert [(c.new, c.by, c.by_learner) for c in changes][1:] == [
        ("Nguyễn Thị Hoà Bình", "Cán bộ Lan", False)
    ]
    await outbox.drain(any_app.deps, any_app.sender)
    await outbox.drain(any_app.deps, any_app.sender)
    (told,) = [m for m in wire.to("8302") if m.title == VI("cert.fixed_title")]
    assert "Nguyễn Thị Hoà Bình" in told.text and keys([told]) == [f"cert:send:{record.id}"]


async def test_rename_from_the_command_line(app: App, tmp_path: Path) -> None:
    code = shown(await issued_certificate(app, "8303"))
    db = Path(app.settings.database_url.split(":///", 1)[1])
    done = await asyncio.to_thread(
        hocai,
        ["certificates", "rename", code, "--name", "Nguyễn Thị Hòa", "--by", "Cán bộ Lan"],
        db,
    )
    assert done.returncode == 0 and "Nguyễn Thị Hòa" in done.stdout, done.stderr[-1000:]
    again = await asyncio.to_thread(
        hocai, ["certificates", "rename", code, "--name", "Nguyễn Thị Hòa"], db
    )
    assert again.returncode == 1 and "nothing changed" in again.stderr
    for args in ([code, "--name", "🙂"], ["NOT-A-CODE", "--name", "Lê Văn An"]):
        bad = await asyncio.to_thread(hocai, ["certificates", "rename", *args], db)
        assert (
            bad.returncode == 2
            and "nothing changed" in bad.stderr
            and "Traceback" not in (bad.stderr)
        )
    shown_now = await asyncio.to_thread(hocai, ["certificates", "verify", code], db)
    assert "Nguyễn Thị Hòa" in shown_now.stdout and "Nguyễn Thị Hoa\n" not in shown_now.stdout
