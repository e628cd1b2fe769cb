"""A fixed lesson for grader tests, so that edits to the real lesson files cannot move them."""

from __future__ import annotations

from lessons.model import Lesson

EXAMPLE_PROMPT = (
    "Bạn là cán bộ văn phòng phường. Tổ dân phố số 5 sẽ họp lúc 19 giờ thứ Sáu tại nhà văn hóa "
    "để bàn việc dọn vệ sinh ngõ xóm. Hãy viết thông báo mời các hộ gia đình đi họp, dưới 150 chữ."
)
EXEMPLARY = (
    "Prompt: Bạn là thư ký của UBND phường. Tuần sau phường tổ chức tập huấn phòng cháy cho các hộ "
    "kinh doanh trên phố Hoàng Văn Thụ. Hãy soạn tin nhắn Zalo mời các chủ hộ tham dự, dưới 120 "
    "chữ, lời lẽ lịch sự, có thời gian 8 giờ sáng thứ Bảy. Nhận xét: kết quả dùng được ngay."
)
HONEST = (
    "Prompt: Bạn là kế toán của hợp tác xã chè La Bằng. Sắp hết tháng, hợp tác xã cần nhắc 15 xã "
    "viên nộp sổ ghi chép sản lượng trước ngày 30. Hãy soạn tin nhắn Zalo gửi nhóm xã viên, dưới "
    "80 chữ, giọng thân mật. Nhận xét: AI viết ngắn gọn, dùng được; tôi sửa lại ngày cho đúng."
)
PARTIAL = (
    "Tổ dân phố số 9 sắp dọn vệ sinh đường làng sáng Chủ nhật. Viết thông báo cho bà con, ngắn "
    "gọn dưới 100 chữ, có giờ tập trung 6 giờ sáng ở đầu ngõ và nhắc mang theo chổi."
)


def make_lesson(lesson_id: str = "t1-01-prompt-4-phan") -> Lesson:
    quiz = {
        "question": "Câu hỏi thử?",
        "options": ["Một", "Hai", "Ba", "Bốn"],
        "answer": "B",
        "explanation": "Vì là câu thử.",
    }
    return Lesson.model_validate(
        {
            "id": lesson_id,
            "level": 1,
            "order": 1,
            "title": "Hỏi AI đúng cách (bài thử)",
            "objectives": ["Viết prompt đủ 4 phần.", "Nhận xét kết quả."],
            "minutes": 10,
            "content": [
                "Một prompt tốt có 4 phần: vai trò, bối cảnh, nhiệm vụ, định dạng. Hãy thử."
            ],
            "example": {"prompt": EXAMPLE_PROMPT, "answer": "THÔNG BÁO MỜI HỌP tổ dân phố số 5."},
            "practice": {
                "task": "Viết một prompt đủ 4 phần cho một việc thật của bạn.",
                "submit": "Gửi prompt và 1-2 câu nhận xét.",
                "minutes": 7,
            },
            "rubric": {
                "min_words": 25,
                "max_words": 120,
                "criteria": [
                    {
                        "id": "vai_tro",
                        "title": "Có vai trò cho AI",
                        "weight": 25,
                        "keywords": ["bạn là", "đóng vai", "vai trò"],
                        "judge": "Prompt giao vai trò.",
                    },
                    {
                        "id": "boi_canh",
                        "title": "Có bối cảnh cụ thể",
                        "weight": 25,
                        "keywords": ["tổ dân phố", "phường", "hợp tác xã", "khách hàng", "sắp"],
                        "need": 2,
                        "judge": "Prompt nói rõ hoàn cảnh.",
                    },
                    {
                        "id": "nhiem_vu",
                        "title": "Nhiệm vụ và định dạng",
                        "weight": 30,
                        "keywords": ["viết", "soạn", "dưới", "chữ", "ngắn gọn"],
                        "need": 2,
                        "judge": "Việc cụ thể, hình thức rõ.",
                    },
                    {
                        "id": "nhan_xet",
                        "title": "Nhận xét kết quả",
                        "weight": 20,
                        "keywords": ["kết quả", "dùng được", "sửa lại"],
                        "judge": "Có nhận xét.",
                    },
                ],
                "reference": "Bạn là nhân viên bán hàng của hợp tác xã chè. Hãy viết tin nhắn trả lời "
                "khách, dưới 100 chữ. Nhận xét: AI viết đúng ý.",
                "exemplary": EXEMPLARY,
                "weak": "viết thông báo họp",
            },
            "quiz": [quiz, quiz, quiz],
        }
    )
