"""Other learners' near-copies are found through the fingerprint index, not a scan of all work."""

from __future__ import annotations

from bot.app import App
from bot.i18n import Translator
from scoring.fingerprint import band_hashes
from tests.conftest import Chat, join_code, text_of
from tests.grading.no_effort import padded

ORIGINAL = (
    "Prompt: Bạn là kế toán của hợp tác xã chè La Bằng. Cuối tháng này hợp tác xã cần nhắc 15 xã "
    "viên nộp sổ ghi chép sản lượng chè trước ngày 30. Hãy soạn tin nhắn Zalo gửi nhóm xã viên, "
    "dưới 80 chữ, giọng thân mật nhưng rõ ràng, có hạn nộp và nơi nộp là văn phòng hợp tác xã.\n"
    "Nhận xét: AI viết ngắn gọn, dùng được ngay. Tôi chỉ sửa lại ngày vì AI ghi nhầm thành ngày 31."
)
OTHER = (
    "Prompt: Bạn là giáo viên chủ nhiệm lớp 8A trường THCS Tân Thịnh. Tuần sau lớp họp phụ huynh "
    "cuối học kỳ lúc 19 giờ thứ Sáu tại phòng học của lớp. Hãy viết tin nhắn mời phụ huynh, dưới "
    "100 chữ, lời lẽ lịch sự. Nhận xét: kết quả dùng được, nhưng AI viết hơi dài nên tôi bảo AI "
    "viết ngắn lại."
)


async def test_the_index_finds_a_padded_copy_and_nothing_unrelated(any_app: App) -> None:
    # Through the dialog: two learners, the second sends the first one's work padded with fillers.
    first, second = Chat(any_app, "5001"), Chat(any_app, "5002")
    for chat in (first, second):
        await chat.join(await join_code(any_app, "T05"))
        await chat.send("/lesson")
    await first.send(ORIGINAL)
    out = await second.send(padded(ORIGINAL))
    assert Translator("vi")("flag.copied_peer") in text_of(out)

    async with any_app.store.transaction() as repo:
        lesson_id = any_app.deps.curriculum.lessons[0].id
        me = await repo.learners.identity("telegram", "5002")
        assert me is not None
        # The copy shares bands with the original; unrelated work does not.
        assert ORIGINAL in await repo.submissions.peer_candidates(
            lesson_id, me.learner_id, band_hashes(padded(ORIGINAL)), 5
        )
        assert (
            await repo.submissions.peer_candidates(lesson_id, me.learner_id, band_hashes(OTHER), 5)
            == []
        )
        # A learner's own earlier work is never a peer.
        mine = await repo.learners.identity("telegram", "5001")
        assert mine is not None
        assert await repo.submissions.peer_candidates(
            lesson_id, mine.learner_id, band_hashes(ORIGINAL), 5
        ) == [padded(ORIGINAL)]
