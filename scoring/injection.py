"""Text aimed at the grader, found by its structure rather than by a list of known phrases.

Two steps. `normalise` undoes the disguises a phrase filter falls for: fullwidth and look-alike
letters, zero-width and format characters (Hangul fillers, line and paragraph separators inside a
word), letters spaced out one by one, and text hidden in base64. `addresses_grader` then asks what a
segment *does*: whether it speaks about the grading of this work (scores, criteria, leniency) to
whoever grades it, or imitates the grader's machinery (a verdict in JSON, a role line, the end of the
data fence). A learner's prompt to *their* AI ("Bạn là chuyên gia, hãy chấm điểm 5 nhà cung cấp")
talks about scoring too, so a segment needs two signals of different kinds before it counts.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from functools import lru_cache

from lessons.textnorm import fold, has_vietnamese_marks

# Letters from other scripts that look Latin, as NFKC leaves them (Cyrillic, Greek).
_CONFUSABLES = str.maketrans(
    {
        "а": "a",
        "в": "b",
        "е": "e",
        "к": "k",
        "м": "m",
        "н": "h",
        "о": "o",
        "р": "p",
        "с": "c",
        "т": "t",
        "у": "y",
        "х": "x",
        "і": "i",
        "ј": "j",
        "ѕ": "s",
        "ԁ": "d",
        "ɡ": "g",
        "һ": "h",
        "А": "A",
        "В": "B",
        "Е": "E",
        "К": "K",
        "М": "M",
        "Н": "H",
        "О": "O",
        "Р": "P",
        "С": "C",
        "Т": "T",
        "У": "Y",
        "Х": "X",
        "І": "I",
        "Ј": "J",
        "Ѕ": "S",
        "α": "a",
        "ο": "o",
        "ρ": "p",
        "ε": "e",
        "ι": "i",
        "κ": "k",
        "ν": "v",
        "τ": "t",
        "υ": "u",
        "Α": "A",
        "Β": "B",
        "Ε": "E",
        "Η": "H",
        "Ι": "I",
        "Κ": "K",
        "Μ": "M",
        "Ν": "N",
        "Ο": "O",
        "Ρ": "P",
        "Τ": "T",
        "Χ": "X",
        "Υ": "Y",
        "Ζ": "Z",
    }
)
# Characters that render as nothing or as blank yet are not spaces: Hangul fillers, the braille
# blank, the combining grapheme joiner. Format characters (Unicode category Cf) go too.
_BLANKS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f\u17b4\u17b5")
# Line and paragraph separators: phones never type them, so inside a sentence they only hide a
# word boundary; read as a space, the sentence stays whole.
_LINE_BREAKS = str.maketrans(
    {"\u2028": " ", "\u2029": " ", "\u0085": " ", "\u000b": "\n", "\u000c": "\n"}
)
# A stretch of four or more single letters, each followed by spaces, dots or dashes: "c h ấ m   đ i ể m".
# Within it, a gap of two or more separators is a word boundary; one separator is not.
_SPACED = re.compile(r"(?<![^\W\d_])((?:[^\W\d_][ .\-_*]+){3,}[^\W\d_])(?![^\W\d_])")
_BASE64 = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")


class _Hidden(dict[int, str | None]):
    """Characters to drop (format, fillers) mapped to None, worked out once per character."""

    def __missing__(self, code: int) -> str | None:
        ch = chr(code)
        kept = None if ch in _BLANKS or unicodedata.category(ch) == "Cf" else ch
        self[code] = kept
        return kept


_DROP = _Hidden()
# Characters known to be kept as they are: printable ASCII, the usual white space, Vietnamese
# letters and common typographic punctuation. Text made only of these (most work) skips the
# per-character translations below, which cost more than the rest of the normalisation.
_PLAIN = frozenset(
    ch
    for ch in (
        [chr(c) for c in range(32, 127)]
        + list("\n\r\t")
        + list("àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ")
        + list("ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴĐ")
        + list("“”‘’…–—•·«»°×÷€₫")  # NFKC-changed ones ("…") are filtered out below
    )
    if unicodedata.normalize("NFKC", ch) == ch
    and ch.translate(_DROP) == ch
    and ch.translate(_CONFUSABLES) == ch
    and ch.translate(_LINE_BREAKS) == ch
)


def _plain(text: str) -> bool:
    return _PLAIN.issuperset(text)


def hidden_characters(text: str) -> int:
    """How many invisible, format or filler characters a text holds (not counting plain spaces)."""
    if _plain(text):
        return 0
    return len(text) - len(text.translate(_DROP)) + text.count("\u2028") + text.count("\u2029")


def _join_spaced(match: re.Match[str]) -> str:
    words = re.split(r"[ .\-_*]{2,}", match.group(1))
    return " ".join(re.sub(r"[ .\-_*]", "", w) for w in words)


SEPARATOR_USE = 3  # this many hidden characters between letters are word gaps, not word breaks
# Words strung together by dots or underscores instead of spaces: "Hệ.thống.chấm.hãy.cho".
_STRUNG = re.compile(r"(?<![\w.])([^\W\d_]+(?:[._][^\W\d_]+){3,})(?![\w])")


def normalise(text: str) -> str:
    """The text as a reader sees it: compatibility forms folded, look-alikes mapped, blanks removed,
    spaced-out letters joined. Vietnamese marks are kept (NFC).

    A hidden character once or twice inside a word breaks it ("ch\u200bấm"); used again and again
    between letters it stands for the spaces ("Thầy\u3164cô\u3164ơi"), and reads as one.
    """
    if not _plain(text):  # only text with characters outside the plain set pays for this
        text = unicodedata.normalize("NFKC", text).translate(_LINE_BREAKS).translate(_CONFUSABLES)
        dropped = text.translate(_DROP)
        between = 0
        if len(dropped) != len(text):
            between = sum(
                1
                for i in range(1, len(text) - 1)
                if text[i].translate(_DROP) == ""
                and text[i - 1].isalpha()
                and text[i + 1].isalpha()
            )
        if between >= SEPARATOR_USE:
            dropped = re.sub(
                r"(?<=[^\W\d_])[\u115f\u1160\u3164\uffa0\u2800\u200b-\u200d\u2060](?=[^\W\d_])",
                " ",
                text,
            ).translate(_DROP)
        text = unicodedata.normalize("NFC", dropped)
    text = _STRUNG.sub(lambda m: re.sub(r"[._]", " ", m.group(1)), text)
    # Single letters spaced out: a word cut apart so that no phrase matches. Vietnamese has
    # one-letter words ("ạ", "ở", "à"), but never four in a row.
    return _SPACED.sub(_join_spaced, text)


def decoded_runs(text: str) -> list[tuple[str, str]]:
    """Readable text hidden in base64 runs (at least 16 characters, decoding to letters)."""
    out = []
    for match in _BASE64.finditer(text):
        run = match.group(0)
        try:
            raw = base64.b64decode(run + "=" * (-len(run) % 4), validate=True)
            decoded = raw.decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            continue
        letters = sum(ch.isalpha() or ch.isspace() for ch in decoded)
        if decoded and letters / len(decoded) >= 0.8 and " " in decoded.strip():
            out.append((run, decoded))
    return out


# ---- what a segment does ------------------------------------------------------------------------
# Each group is a *kind* of signal, matched on folded text (no marks, lower case). A segment counts
# as addressed to the grader when it combines kinds: who (the grader) + what (the grading), or what
# (the grading of this work) + how (a request), or when it imitates the grader's machinery.

# Whoever grades: the system, a marker, a teacher, a model.
_WHO = re.compile(
    r"\b(he thong|nguoi cham|ban cham|giam khao|giam thi|hoi dong cham|mo hinh|tro ly ao|may cham"
    r"|chuong trinh cham|bo cham|thay co|thay giao|co giao|thay oi|co oi|quy thay"
    r"|giao vien|can bo cham|ban to chuc|admin|quan tri|grader|examiner|marker|teacher|assessor"
    r"|evaluator|reviewer|instructor|the model|the ai|language model|llm|chatbot cham)\b"
)
# The grading: scores, marks, criteria, passing, leniency.
_WHAT = re.compile(
    r"\b(diem|cham|tieu chi|thang diem|xep loai|dat yeu cau|dat chuan|dat tron|tron ven|toi da"
    r"|tuyet doi|qua bai|qua mon|nuong tay|nhe tay|chuoc|rong luong|thong cam|du di|cho qua"
    r"|linh dong|ket qua cham|danh gia bai|full|max|score|scores|grade|graded|grading|marks"
    r"|points|rubric|criteria|criterion|pass|lenient|leniency|generous|perfect|verdict"
    r"|de tinh|de dai|hao phong)\b"
)
# This work, or its author, as the subject of a grading.
_THIS = re.compile(
    r"\b(bai nay|bai lam|bai cua (toi|em|minh|chau|con)|bai (toi|em|minh)|phan tra loi nay"
    r"|bai viet nay|bai (o )?tren|cho (toi|em|minh|chau|con)|(toi|em|minh|chau|con) (duoc|xin|mong|muon|can)"
    r"|this (answer|submission|work|essay|response|learner|student)|my (answer|submission|work)"
    r"|nguoi hoc nay|hoc vien nay)\b"
)
# A request, an order or a plea.
_ASK = re.compile(
    r"\b(hay|xin|kinh mong|kinh de nghi|mong|de nghi|vui long|lam on|phai|can phai|nen"
    r"|ra lenh|xung dang|dang duoc|chac chan|bat buoc|please|must|should|need to|kindly"
    r"|deserves?|ought|award|give|assign|set)\b"
)
# Override of the instructions, whoever it names.
_RULES_WORDS = (
    r"(huong dan|chi dan|yeu cau|quy tac|lenh|chi thi|tieu chi|thang diem|instructions?"
    r"|rules|prompts?|directions|rubric|criteria|system)"
)
_OVERRIDE = re.compile(
    r"\b(bo qua|quen|phot lo|(khong|dung) (can |phai )?(lam|tuan|di|chap hanh) theo|thay the|ignore"
    r"|disregard|forget|override)\b.{0,40}\b" + _RULES_WORDS + r"\b"
    r"|\b" + _RULES_WORDS + r"\b.{0,40}\b(het hieu luc|khong con hieu luc|bi huy|vo hieu"
    r"|(khong|khong con|chua) ap dung|chi la vi du|no longer apply|do(es)? not apply|are void"
    r"|superseded|only an example)\b"
    r"|\b" + _RULES_WORDS + r" (moi|new|updated)\s*:"
)
# The grader's machinery: the data fence, role lines, chat-template tokens.
_MACHINERY = re.compile(
    r"((^|[-=*#<\[(]\s*)(ket thuc|bat dau|het) (phan )?(bai lam|du lieu|submission)\b|\bend of (the )?"
    r"(submission|student|answer|data|work)\b|<\|[a-z_]+\|>|\[/?inst\]|<<sys>>|</?(system|user|"
    r"assistant|submission)>|^\s*#+ ?(system|instruction|grader)|^\s*(system|assistant|developer"
    r"|grader|giam khao|he thong|nguoi cham|ket qua cham|verdict)\s*:)"
)
# A verdict-shaped object: {'key': 12, ...} or {"x": true} with any key names and quotes.
_VERDICT_PAIR = re.compile(
    r"[\"'`]?[\w ]{1,30}[\"'`]?\s*[:=]\s*(-?\d+([.,]\d+)?|true|false|null)\b"
)


_QUOTED_PAIR = re.compile(
    r"[\"'`][\w ]{1,30}[\"'`]\s*[:=]\s*[\"']?(-?\d+([.,]\d+)?|true|false|null)\b"
)


def _verdict_shaped(segment: str) -> bool:
    """An object of key-value pairs (any key names, any quotes), or a quoted key with a number."""
    lowered = segment.lower()
    if _QUOTED_PAIR.search(lowered):
        return True
    return "{" in lowered and "}" in lowered and bool(_VERDICT_PAIR.search(lowered))


# A line opening with a label that names a grading agent: "Trợ lý chấm bài: ...", "Giám khảo AI: ...".
LABEL_WORDS = 6  # a speaker's label is short: "Trợ lý chấm bài:", "Giám khảo AI:"
_LABEL = re.compile(r"^\s*([^:\n,;()]{1,40}):")
_AGENT = re.compile(
    r"\b(tro ly|may|bo phan|ai|mo hinh|he thong|nguoi|ban|hoi dong|giam khao|giam thi"
    r"|phan mem|ung dung|cong cu|grader|assistant|model|bot|chatbot|system|tool)\b"
)
# A label that addresses someone: "Gửi ...:", "To whoever ...:", "Lưu ý cho ...:".
_ADDRESS = re.compile(r"^(to|dear|attn|note to|gui|kinh gui|danh cho|luu y cho|nhan|nho)\b")
_GRADING = re.compile(r"\b(cham|diem|danh gia|grading|grader|score|scoring|marking|evaluat\w*)\b")
# A score written as a result: "Điểm: 100/100", "tổng điểm = 100", "Score: 10/10".
_RESULT = re.compile(
    r"(^\s*(diem|tong diem|diem so|ket qua|score|total|final score|final)\s*[:=]\s*"
    r"(100\b|(\d{1,3}) ?/ ?\4\b)|\b(\d{1,3}) (of|out of|tren|/) \5\b)"
)
_GRADE_REQUEST = re.compile(
    r"\b(diem (toi da|tuyet doi|cao nhat|so)|(10|100|muoi|tram) ?(diem|/ ?10|/ ?100)"
    r"|diem\s*[:=]?\s*(10|100)|(10|100) ?/ ?\6|tron ven|tron diem|toi da|moi tieu chi"
    r"|tat ca (cac )?tieu chi|dat (het|du|tat ca)|qua bai|nuong tay|chuoc|du di|rong luong"
    r"|hao phong|de tinh|de dai|de dang cho"
    r"|full|max|maximum|perfect|all criteria|full marks|lenient|leniency|generous|go easy)\b"
)
# A role given in a prompt ("Bạn là giám khảo cuộc thi ảnh...") is the learner's task for their AI.
_ROLE = re.compile(r"\b(ban la|dong vai|hay dong vai|ban hay la|you are|act as|pretend to be)\b")


def _loose(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """The same words when an invisible separator was removed between them ("giám\u2060khảo")."""
    return re.compile(pattern.pattern.replace(" ", " ?"), pattern.flags)


_WHO_L, _WHAT_L, _THIS_L, _ASK_L = (_loose(p) for p in (_WHO, _WHAT, _THIS, _ASK))


# Folding merges words the patterns must tell apart. Where the learner typed the marks, keep the
# other words out: "bán chậm" is not "bạn chấm", "tôi đã" is not "tối đa", "buổi tối" not "tối đa".
_MARKED_OTHERS = (
    (re.compile(r"\b(chậm|chăm|chạm|chàm|chằm|chẩm)\b"), "chamx"),
    (re.compile(r"\bđã\b"), "dax"),
    (re.compile(r"\btối\b(?! đa)"), "toix"),
)
_ANY_MARKED_OTHER = re.compile(r"ch[ậăạàằẩ]m|đã|tối")
# Words built on "điểm" that are not points: a place, a moment, strengths and weaknesses.
_NOT_POINTS = re.compile(
    r"\b((dia|thoi|uu|nhuoc|dac|quan|trong|diem) diem|diem (yeu|manh|danh|den|tin"
    r"|hen|ban|nong|sang|tua|chung|nhan))\b"
)


@lru_cache(maxsize=1024)  # the same sentence is asked about by more than one check
def _folded(segment: str) -> str:
    text = unicodedata.normalize("NFC", segment.lower())
    if _ANY_MARKED_OTHER.search(text):  # one scan decides whether the three substitutions can apply
        for pattern, placeholder in _MARKED_OTHERS:
            text = pattern.sub(placeholder, text)
    if "quen" in text and has_vietnamese_marks(text):
        text = re.sub(r"\bquen\b", "quenx", text)  # "quen" (used to), where "quên" has its mark
    folded = fold(text)
    if "diem" not in folded:
        return folded
    return _NOT_POINTS.sub(lambda m: m.group(0).replace(" ", ""), folded)


# Speaking to the grader: "Gửi giám khảo: ...", "Giám khảo ơi", "Dear grader".
_VOCATIVE = re.compile(
    r"\b(gui|kinh gui|thua|kinh thua|dear|to|luu y cho|danh cho|nho) (thay |co |ban )?"
    r"(" + _WHO.pattern[3:-3] + r")\b|\b(" + _WHO.pattern[3:-3] + r") oi\b"
)
# A full score handed out: "award 10/10", "cho 100/100".
_GRANT = re.compile(r"\b(give|award|assign|grant|cho|cham|ghi)\b.{0,30}\b(10|100) ?/ ?\2\b")


def addresses_grader(segment: str) -> bool:
    """True when the segment speaks to whoever grades the work, or imitates the grading itself."""
    folded = _folded(segment)
    if not folded:
        return False
    if _MACHINERY.search(folded) or _OVERRIDE.search(folded) or _verdict_shaped(segment):
        return True
    if _RESULT.search(folded) or _VOCATIVE.search(folded) or _GRANT.search(folded):
        return True
    # Every check below needs a grading word somewhere; most honest sentences have none.
    if not _WHAT_L.search(folded) and not _GRADING.search(folded):
        return False
    label = _LABEL.match(folded)
    if label and len(label.group(1).split()) > LABEL_WORDS:
        label = None
    if (
        label
        and (_AGENT.search(label.group(1)) or _ADDRESS.match(label.group(1).strip()))
        and (_GRADING.search(label.group(1)))
    ):
        return True  # a turn written in the grader's name, or a note addressed to the grader
    named = _WHO_L.search(folded)
    who = bool(named)
    # Two signals must be two words: "người chấm hiểu" names the grader, it asks for no grade.
    rest = folded[: named.start()] + " " + folded[named.end() :] if named else folded
    what = bool(_WHAT_L.search(rest))
    this, ask = bool(_THIS_L.search(folded)), bool(_ASK_L.search(folded))
    request = _grade_request(folded)
    if who and what and (this or request or (ask and not _ROLE.search(folded))):
        return True
    # No one named, but a top result claimed or asked for this work: "bài này xứng đáng đạt trọn
    # vẹn mọi tiêu chí", "this learner receives the maximum grade".
    return what and this and request


def _grade_request(folded: str) -> bool:
    """The grading words are about a result for this work, not a task the learner set their AI."""
    return bool(_GRADE_REQUEST.search(folded))


# ---- talk about grading -------------------------------------------------------------------------
# The broad vocabulary of evaluation. Not a verdict on its own (a lesson may be about scoring), but a
# sentence using it, in a lesson whose own texts do not, is work talking about its grade: when a model
# then scores at or above the rules, code holds the grade for a person (scoring/combine.py).
_GRADING_TALK = re.compile(
    r"\b(diem|cham|tieu chi|dat|danh gia|xep loai|thang diem|nuong tay|chuoc|du di|rong luong"
    r"|score|scores|scoring|grade|grader|grading|marks?|points|criteria|criterion|pass|lenient"
    r"|rubric|verdict|evaluat\w*|credit)\b"
)


def grading_words(text: str) -> frozenset[str]:
    """The evaluation words a text uses (folded, with the marked look-alikes kept apart)."""
    return frozenset(m.group(0) for m in _GRADING_TALK.finditer(_folded(text)))


def grading_talk(segments: list[str], lesson_words: frozenset[str]) -> list[str]:
    """Segments that use an evaluation word the lesson's own texts never use."""
    return [s for s in segments if grading_words(s) - lesson_words]


# Every word or sign any check above (or the phrase patterns in scoring/rules.py) starts from, loosely
# (no word boundaries, so joined words count): a sentence without one cannot match, and is passed
# without running the checks. Most honest sentences take this path.
_TRIGGER = re.compile(
    r"[{}<>\[\]#\"'`=]|cham|diem|tieu chi|dat|danh gia|xep loai|tron|toi da|tuyet doi|nuong|chuoc"
    r"|rong luong|thong cam|du di|linh dong|giam|he thong|nguoi|ban |mo hinh|tro ly|may|thay|co |"
    r"giao vien|admin|quan tri|to chuc|phan mem|ung dung|cong cu|bo qua|quen|phot lo|tuan theo"
    r"|lam theo|thay the|huong dan|chi dan|chi thi|quy tac|lenh|hieu luc|ap dung|ket thuc|bat dau"
    r"|het|suy nghi|phan tich|nhan xet|ket luan|ket qua|\d|[a-z]*(score|grad|mark|point|rubric"
    r"|criteri|pass|lenien|generous|perfect|verdict|evaluat|credit|ignore|disregard|forget|overrid"
    r"|instruct|rule|prompt|direction|system|assistant|developer|user|model|llm|ai\b|teacher"
    r"|examiner|assessor|reviewer|instructor|thought|reason|give|award|assign|grant|full|max|inst"
    r"|sys|end of|submission|note|dear|attn|whoever)"
)


def might_address_grader(folded: str) -> bool:
    """False when a folded segment holds none of the words the checks start from."""
    return bool(_TRIGGER.search(folded))
