"""Target groups through the real dialog (SQLite file; PostgreSQL too where marked): an official
picks an agency while joining and from /settings (a button, a name typed without diacritics,
"bỏ qua"); ethnicity is asked only from /settings after its own consent, declining stores nothing,
withdrawing clears it, and it never shows per person; deleting an account clears it all."""

from __future__ import annotations

import json

from bot.app import App
from bot.i18n import Translator
from bot.services import leader
from bot.services.io import Out
from bot.services.permissions import Role
from bot.services.ports import LearnerRecord
from bot.services.reach import people_to_reach, reach_csv
from bot.services.units import import_units
from tests.conftest import Chat, Clock, join_code, text_of
from tests.roles.conftest import give, person, unit_id

VI = Translator("vi")
EN = Translator("en")

# Agencies under ward PDP (two named alike), a provincial department, and a sibling ward with
# its own agency (never offered to PDP's people).
AGENCIES_CSV = """code,name,kind,parent_code,population
PDP-UB,UBND phường Phan Đình Phùng,agency,PDP,
PDP-CA,Công an phường Phan Đình Phùng,agency,PDP,
PDP-TH,Trường Tiểu học Đội Cấn,co_quan,PDP,
TN-SKH,Sở Khoa học và Công nghệ,agency,TN,
GS,Phường Gia Sàng,ward,TN,
GS-UB,UBND phường Gia Sàng,agency,GS,
GS-T01,Tổ dân phố số 1 Gia Sàng,group,GS,
"""


async def with_agencies(app: App) -> None:
    report = await import_units(app.store, AGENCIES_CSV)
    assert report.imported == 7 and not report.errors


async def learner_of(app: App, chat: Chat) -> LearnerRecord:
    async with app.store.transaction() as repo:
        found = await repo.learners.learner(await person(app, chat))
    assert found is not None
    return found


def keys(out: list[Out]) -> dict[str, str]:
    return {o.label: o.key for m in out for o in m.options}


async def up_to_occupation(chat: Chat, code: str) -> list[Out]:
    await chat.send(f"/start g_{code}")
    await chat.tap("ob:consent:yes")
    await chat.send(chat.name)
    return await chat.send("1990")


async def official_joins(app: App, chat: Chat, unit: str = "T05") -> list[Out]:
    """Joining up to the occupation, then "official": the agency question (if any)."""
    await up_to_occupation(chat, await join_code(app, unit))
    return await chat.tap("ob:occ:official")


# ---- an official's agency while joining ---------------------------------------------------------


async def test_an_official_picks_the_agency_by_button_while_joining(app: App) -> None:
    await with_agencies(app)
    chat = Chat(app, "5001", name="Cán Bộ Lan")
    out = await official_joins(app, chat)
    offered = keys(out)
    assert VI("agency.ask") in text_of(out)
    # The ward's agencies first, then the province's departments; never a sibling ward's.
    assert list(offered) == [
        "Công an phường Phan Đình Phùng",
        "Trường Tiểu học Đội Cấn",
        "UBND phường Phan Đình Phùng",
        "Sở Khoa học và Công nghệ",
        VI("agency.skip"),
    ]
    out = await chat.tap(offered["UBND phường Phan Đình Phùng"])
    assert VI("agency.saved", agency="UBND phường Phan Đình Phùng") in text_of(out)
    assert "mấy giờ" in text_of(out)  # on to the lesson time
    await chat.send("19:00")
    me = await learner_of(app, chat)
    assert me.status == "active" and me.occupation == "official"
    assert me.agency_id == await unit_id(app, "PDP-UB")


async def test_an_official_types_the_agency_without_diacritics(app: App) -> None:
    await with_agencies(app)
    chat = Chat(app, "5002", name="Cán Bộ Minh")
    await official_joins(app, chat)
    out = await chat.send("cong an phuong")
    assert VI("agency.saved", agency="Công an phường Phan Đình Phùng") in text_of(out)
    assert (await learner_of(app, chat)).agency_id == await unit_id(app, "PDP-CA")


async def test_a_typed_number_or_a_provincial_department_works_too(app: App) -> None:
    await with_agencies(app)
    first, second = Chat(app, "5003", name="Cán Bộ Tú"), Chat(app, "5004", name="Cán Bộ Hà")
    await official_joins(app, first)
    await first.send("2")  # the second offered: the primary school
    assert (await learner_of(app, first)).agency_id == await unit_id(app, "PDP-TH")
    await official_joins(app, second)
    await second.send("so khoa hoc va cong nghe")
    assert (await learner_of(app, second)).agency_id == await unit_id(app, "TN-SKH")


async def test_skipping_the_agency_stores_none_and_goes_on(app: App) -> None:
    await with_agencies(app)
    for user, answer in (("5005", "bỏ qua"), ("5006", "bo qua")):
        chat = Chat(app, user, name="Cán Bộ Bỏ Qua")
        await official_joins(app, chat)
        out = await chat.send(answer)
        assert "mấy giờ" in text_of(out) and VI("agency.saved", agency="") not in text_of(out)
        await chat.send("20:30")
        me = await learner_of(app, chat)
        assert me.status == "active" and me.agency_id is None and me.occupation == "official"
    tapped = Chat(app, "5007", name="Cán Bộ Bấm")
    await official_joins(app, tapped)
    assert "mấy giờ" in text_of(await tapped.tap("ag:skip"))


async def test_unclear_or_unknown_agency_names_get_kind_answers(app: App) -> None:
    await with_agencies(app)
    chat = Chat(app, "5008", name="Cán Bộ Hỏi")
    await official_joins(app, chat)
    out = await chat.send("phan dinh phung")  # two agencies hold these words
    assert VI("agency.which") in text_of(out)
    assert set(keys(out)) == {
        "UBND phường Phan Đình Phùng",
        "Công an phường Phan Đình Phùng",
        VI("agency.skip"),
    }
    out = await chat.send("UBND phường Gia Sàng")  # a sibling ward's: not offered here
    assert VI("agency.unknown", text="UBND phường Gia Sàng") in text_of(out)
    out = await chat.send("🙂🙂")
    assert VI("agency.unknown", text="🙂🙂") in text_of(out)
    # A command waits for the end of joining, and asks again with the same agencies.
    out = await chat.send("/lesson")
    assert VI("onboarding.finish_first") in text_of(out)
    assert "UBND phường Phan Đình Phùng" in keys(out)  # the same agencies, "1" still means one
    out = await chat.send("1")
    assert "mấy giờ" in text_of(out)
    assert (await learner_of(app, chat)).agency_id is not None


async def test_a_forged_or_foreign_agency_is_refused(app: App) -> None:
    await with_agencies(app)
    chat = Chat(app, "5009", name="Cán Bộ Thử")
    await official_joins(app, chat)
    foreign = await unit_id(app, "GS-UB")  # an agency of the sibling ward
    group = await unit_id(app, "T07")  # a unit, not an agency
    for key in (
        f"ag:pick:{foreign}",
        f"ag:pick:{group}",
        "ag:pick:99999999",
        "ag:pick:0",
        "ag:pick:abc",
    ):
        out = await chat.tap(key)
        assert "mấy giờ" not in text_of(out)
    assert (await learner_of(app, chat)).agency_id is None
    # An agency tapped by a learner still at another step changes nothing.
    early = Chat(app, "5010", name="Người Mới")
    await early.send(f"/start g_{await join_code(app, 'T05')}")
    out = await early.tap(f"ag:pick:{await unit_id(app, 'PDP-UB')}")
    assert VI("choice.stale") in text_of(out)
    assert (await learner_of(app, early)).agency_id is None


async def test_no_agencies_near_means_no_question(app: App) -> None:
    chat = Chat(app, "5011", name="Cán Bộ Xa")  # no agencies imported at all
    out = await official_joins(app, chat)
    assert "mấy giờ" in text_of(out) and VI("agency.ask") not in text_of(out)


async def test_joining_with_an_agencys_own_code_makes_it_the_agency(app: App) -> None:
    await with_agencies(app)
    chat = Chat(app, "5012", name="Cán Bộ Ủy Ban")
    out = await official_joins(app, chat, "PDP-UB")
    assert VI("agency.saved", agency="UBND phường Phan Đình Phùng") in text_of(out)
    assert "mấy giờ" in text_of(out)
    assert (await learner_of(app, chat)).agency_id == await unit_id(app, "PDP-UB")


# ---- occupation and agency from /settings -----------------------------------------------------


async def test_settings_change_occupation_and_agency(app: App) -> None:
    await with_agencies(app)
    chat = Chat(app, "5020", name="Nông Dân Lên Cán Bộ")
    await chat.join(await join_code(app, "T05"))  # a farmer
    menu = await chat.send("/settings")
    assert VI("settings.profile", occupation=VI("occupation.farmer")) in text_of(menu)
    assert VI("settings.change_agency") not in keys(menu)  # not an official
    out = await chat.tap(keys(menu)[VI("settings.change_occupation")])
    out = await chat.send("can bo")  # typed without diacritics: the official option
    assert VI("agency.ask") in text_of(out)
    out = await chat.send("ubnd")
    assert VI("agency.saved", agency="UBND phường Phan Đình Phùng") in text_of(out)
    me = await learner_of(app, chat)
    assert me.occupation == "official" and me.agency_id == await unit_id(app, "PDP-UB")

    menu = await chat.send("/settings")
    assert VI("settings.agency", agency="UBND phường Phan Đình Phùng") in text_of(menu)
    out = await chat.tap(keys(menu)[VI("settings.change_agency")])
    out = await chat.tap(keys(out)["Công an phường Phan Đình Phùng"])
    assert (await learner_of(app, chat)).agency_id == await unit_id(app, "PDP-CA")
    out = await chat.tap("ag:ask")
    assert VI("agency.kept") in text_of(await chat.send("bỏ qua"))  # kept as it was
    assert (await learner_of(app, chat)).agency_id == await unit_id(app, "PDP-CA")
    out = await chat.tap("ag:ask")
    assert VI("agency.unknown", text="Sở Y tế") in text_of(await chat.send("Sở Y tế"))

    # No longer an official: the agency goes with it, and its button too.
    await chat.send("/settings")
    await chat.tap("occ")
    out = await chat.tap("occ:business")
    assert VI("profile.occupation_saved", occupation=VI("occupation.business")) in text_of(out)
    me = await learner_of(app, chat)
    assert me.occupation == "business" and me.agency_id is None
    assert VI("agency.officials_only") in text_of(await chat.tap("ag:ask"))
    pick = f"ag:pick:{await unit_id(app, 'PDP-UB')}"
    assert VI("agency.officials_only") in text_of(await chat.tap(pick))  # an old button
    assert (await learner_of(app, chat)).agency_id is None


# ---- ethnicity: never while joining, only after its own consent ---------------------------------


def eth_keys(messages: list[Out]) -> list[str]:
    return [o.key for m in messages for o in m.options if o.key.startswith("eth:")]


async def test_joining_never_asks_ethnicity(app: App) -> None:
    await with_agencies(app)
    for chat in (Chat(app, "5030", name="Nông Dân"), Chat(app, "5031", name="Cán Bộ Mới")):
        if chat.user == "5030":
            await chat.join(await join_code(app, "T05"))
        else:
            await official_joins(app, chat)
            await chat.send("1")
            await chat.send("19:00")
        assert eth_keys(chat.log) == []
        assert "dân tộc" not in text_of(chat.log).lower()
        me = await learner_of(app, chat)
        assert me.status == "active" and me.ethnicity is None and me.ethnicity_consent_at is None


async def test_consent_declined_stores_nothing(app: App) -> None:
    chat = Chat(app, "5032", name="Người Từ Chối")
    await chat.join(await join_code(app, "T05"))
    menu = await chat.send("/settings")
    assert VI("settings.ethnicity_none") in text_of(menu)
    out = await chat.tap(keys(menu)[VI("settings.ethnicity")])
    # Its own question: why it is asked, never shown per person, optional, withdrawable.
    assert out[-1].title == VI("eth.consent_title")
    assert "không bắt buộc" in out[-1].text and "không bao giờ hiện theo từng người" in out[-1].text
    assert "rút lại" in out[-1].text
    assert [o.key for o in out[-1].options] == ["eth:yes", "eth:no"]
    assert VI("eth.declined") in text_of(await chat.send("2"))  # typed: the second option
    me = await learner_of(app, chat)
    assert me.ethnicity is None and me.ethnicity_consent_at is None
    # "dân tộc" typed opens the same question; "Không, cảm ơn" typed declines as well.
    out = await chat.send("dan toc")
    assert out[-1].title == VI("eth.consent_title")
    assert VI("eth.declined") in text_of(await chat.send("khong, cam on"))
    # Agreeing, then "Thôi, không trả lời", or "bỏ qua" typed: still nothing stored.
    await chat.tap("eth:ask")
    await chat.tap("eth:yes")
    assert VI("eth.declined") in text_of(await chat.tap("eth:no"))
    await chat.tap("eth:yes")
    assert VI("eth.declined") in text_of(await chat.send("bỏ qua"))
    me = await learner_of(app, chat)
    assert me.ethnicity is None and me.ethnicity_consent_at is None


async def test_consent_given_then_withdrawn_clears(app: App, clock: Clock) -> None:
    chat = Chat(app, "5033", name="Người Đồng Ý")
    await chat.join(await join_code(app, "T05"))
    await chat.send("/settings")
    await chat.tap("eth:ask")
    out = await chat.tap("eth:yes")
    assert VI("eth.ask") in text_of(out)
    labels = [o.label for o in out[-1].options]
    assert labels[:8] == ["Kinh", "Tày", "Nùng", "Dao", "Sán Chay", "Mông", "Sán Dìu", "Hoa"]
    out = await chat.send("san chay")  # typed without diacritics
    assert VI("eth.saved", ethnicity="Sán Chay") in text_of(out)
    me = await learner_of(app, chat)
    assert me.ethnicity == "Sán Chay" and me.ethnicity_consent_at == clock()
    assert "Sán Chay" not in repr(me)  # a logged record never carries it

    menu = await chat.send("/settings")
    assert VI("settings.ethnicity_given") in text_of(menu) and "Sán Chay" not in text_of(menu)
    out = await chat.tap("eth:ask")  # the learner alone sees the value, and the way out
    assert VI("eth.stored", ethnicity="Sán Chay") in text_of(out)
    assert VI("eth.withdrawn") in text_of(await chat.tap(keys(out)[VI("eth.withdraw")]))
    me = await learner_of(app, chat)
    assert me.ethnicity is None and me.ethnicity_consent_at is None
    assert VI("settings.ethnicity_none") in text_of(await chat.send("/settings"))

    # Given again by button, then changed by typing a name with diacritics.
    await chat.tap("eth:ask")
    await chat.tap("eth:yes")
    assert VI("eth.saved", ethnicity="Tày") in text_of(await chat.tap("eth:pick:tay"))
    await chat.tap("eth:ask")
    await chat.tap("eth:yes")
    await chat.send("H'Mông")
    assert (await learner_of(app, chat)).ethnicity == "Mông"
    await chat.tap("eth:yes")
    assert VI("eth.saved", ethnicity=VI("eth.other")) in text_of(await chat.tap("eth:pick:other"))
    assert (await learner_of(app, chat)).ethnicity == "Khác"


async def test_bad_ethnicity_input_gets_a_kind_answer(app: App) -> None:
    chat = Chat(app, "5034", name="Người Gõ Sai")
    await chat.join(await join_code(app, "T05"))
    await chat.tap("eth:ask")
    await chat.tap("eth:yes")
    for typed in ("Nguyễn Văn A", "0912345678", "<b>x</b>"):
        out = await chat.send(typed)
        assert VI("eth.unknown") in text_of(out) and eth_keys(out)
    me = await learner_of(app, chat)
    assert me.ethnicity is None and me.ethnicity_consent_at is None
    # A pick with no consent just given (a forged or old key): the consent question again.
    await chat.send("/lesson")  # a command ends the step
    out = await chat.tap("eth:pick:tay")
    assert VI("choice.stale") in text_of(out) and out[-1].title == VI("eth.consent_title")
    for key in ("eth:pick:klingon", "eth:pick", "eth:yes:tay"):
        assert VI("choice.stale") in text_of(await chat.tap(key))
    me = await learner_of(app, chat)
    assert me.ethnicity is None and me.ethnicity_consent_at is None


async def test_the_english_consent_question(app: App) -> None:
    chat = Chat(app, "5035", name="Learner En")
    await chat.join(await join_code(app, "T05"))
    await chat.tap("set:lang")
    out = await chat.send("dan toc")
    assert out[-1].title == EN("eth.consent_title") and "never shown per person" in out[-1].text


# ---- never per person; counted only with consent --------------------------------------------------


async def give_ethnicity(chat: Chat, key: str) -> None:
    await chat.tap("eth:ask")
    await chat.tap("eth:yes")
    await chat.tap(key)


async def test_ethnicity_is_counted_only_with_consent_and_per_subtree(any_app: App) -> None:
    app = any_app
    await with_agencies(app)
    people = [Chat(app, f"52{i:02d}", name=f"Người {chr(65 + i)}") for i in range(5)]
    for chat in people[:4]:
        await chat.join(await join_code(app, "T05"))
    await people[4].join(await join_code(app, "GS-T01"))  # the sibling ward
    await give_ethnicity(people[0], "eth:pick:san_chay")
    await give_ethnicity(people[1], "eth:pick:san_chay")
    await give_ethnicity(people[2], "eth:pick:tay")
    await give_ethnicity(people[4], "eth:pick:nung")
    await people[2].tap("eth:withdraw")  # withdrawn: no longer counted
    async with app.store.transaction() as repo:
        # A value stored without its consent time (never by the chat) is not counted either.
        await repo.learners.update_learner(await person(app, people[3]), ethnicity="Dao")
        t05, pdp = await unit_id(app, "T05"), await unit_id(app, "PDP")
        tn, gs = await unit_id(app, "TN"), await unit_id(app, "GS")
        assert await repo.learners.ethnicity_counts(t05) == {"Sán Chay": 2}
        assert await repo.learners.ethnicity_counts(pdp) == {"Sán Chay": 2}
        assert await repo.learners.ethnicity_counts(gs) == {"Nùng": 1}
        assert await repo.learners.ethnicity_counts(tn) == {"Sán Chay": 2, "Nùng": 1}
        assert await repo.learners.ethnicity_counts(await unit_id(app, "T07")) == {}


async def test_ethnicity_never_shows_in_rosters_boards_or_lists(app: App, clock: Clock) -> None:
    chats = [Chat(app, "5301", name="Lan"), Chat(app, "5302", name="Minh")]
    for chat in chats:
        await chat.join(await join_code(app, "T05"))
        await give_ethnicity(chat, "eth:pick:san_chay")
    lesson = app.deps.curriculum.lessons[0]
    await chats[0].send("/lesson")
    await chats[0].tap(f"q:{lesson.id}:0:{lesson.quiz[0].answer_index}")
    boss = Chat(app, "5300", name="Trưởng Tổ")
    await give(app, boss, Role.LEADER, "T05")
    official = Chat(app, "5399", name="Cán Bộ Phường")
    await give(app, official, Role.OFFICIAL, "PDP")
    t05 = await unit_id(app, "T05")
    clock.advance(days=9)  # long idle: the leader's reach list names them
    seen = [
        *await boss.tap(f"ld:roster:{t05}"),
        *await boss.tap(f"ld:reach:{t05}"),
        *await boss.send("/group"),
        *await official.send("/group"),
        *await official.tap(f"ld:roster:{t05}"),
        *await chats[1].send("/leaderboard"),
        *await chats[1].send("/progress"),
        *await official.send("/honours PDP 2026"),
    ]
    async with app.store.transaction() as repo:
        unit = await repo.units.unit(t05)
        assert unit is not None
        roster = await leader.roster(app.deps, repo, unit)
    shown = text_of(seen) + repr(roster)
    assert "Lan" in shown and "Minh" in shown  # the lists are there, with the people
    assert "Sán Chay" not in shown and "san_chay" not in shown
    reach = await people_to_reach(app.store, "T05", clock(), app.deps.policies)
    assert reach is not None and "Sán Chay" not in reach_csv(reach) + repr(reach)


# ---- the learner's own data, and deleting it ----------------------------------------------------


async def test_mydata_shows_it_to_the_learner_and_deleting_clears_it(app: App) -> None:
    await with_agencies(app)
    chat = Chat(app, "5401", name="Cán Bộ Xoá")
    await official_joins(app, chat)
    await chat.send("ubnd")
    await chat.send("19:00")
    await give_ethnicity(chat, "eth:pick:dao")
    data = json.loads((await chat.send("/mydata"))[0].file.content)  # type: ignore[union-attr]
    assert data["learner"]["ethnicity"] == "Dao" and data["learner"]["ethnicity_consent_at"]
    assert data["agency"] == "UBND phường Phan Đình Phùng"
    pdp = await unit_id(app, "PDP")
    async with app.store.transaction() as repo:
        assert await repo.learners.ethnicity_counts(pdp) == {"Dao": 1}
    await chat.send("/deleteme")
    assert "Đã xoá" in text_of(await chat.tap("del:yes"))
    async with app.store.transaction() as repo:
        assert await repo.learners.identity("telegram", "5401") is None
        assert await repo.learners.ethnicity_counts(pdp) == {}
