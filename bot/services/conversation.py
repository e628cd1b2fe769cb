"""What the bot remembers between one message and the next, per identity (one person on one
channel): the step a question waits in, the options last offered, work held for a yes or no.

Several writers touch it at once: a learner's turn (which may wait seconds for a grader between
its two transactions), the daily push (which remembers the quiz options it sent), linking. So it
is never written whole. A writer changes the typed `Conversation` it read, and saves only what it
changed, as a `StatePatch` (`conversation.changes(since=snapshot)`); storage merges the patch into
the stored JSON in one statement, keeping every key this writer did not touch. Keys this version
does not know are read into `extra` and kept as they were.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class HeldText:
    """Text waiting for the learner's yes: a short message ("is this your work?") or a voice
    note's transcript. `key` makes one held text one submission, however often "yes" is tapped."""

    text: str
    key: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "key": self.key}

    @classmethod
    def from_json(cls, data: object) -> HeldText | None:
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            return None
        key = data.get("key")
        return cls(data["text"], str(key) if key else None)


@dataclass
class TryAISession:
    """A conversation with the in-chat model about one lesson's practice."""

    lesson: str
    turns: list[dict[str, str]] = field(default_factory=list)  # {"role", "text"}

    def to_json(self) -> dict[str, Any]:
        return {"lesson": self.lesson, "turns": [dict(t) for t in self.turns]}

    @classmethod
    def from_json(cls, data: object) -> TryAISession | None:
        if not isinstance(data, dict):
            return None
        turns = data.get("turns")
        return cls(
            str(data.get("lesson") or ""),
            [dict(t) for t in turns if isinstance(t, dict)] if isinstance(turns, list) else [],
        )


@dataclass
class AnnouncementDraft:
    """A group leader's announcement, checked and shown back, waiting for "Gửi" (send)."""

    unit: int
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"unit": self.unit, "text": self.text}

    @classmethod
    def from_json(cls, data: object) -> AnnouncementDraft | None:
        if not isinstance(data, dict):
            return None
        unit, text = data.get("unit"), data.get("text")
        if (
            isinstance(unit, bool)
            or not isinstance(unit, int)
            or not isinstance(text, str)
            or not text
        ):
            return None
        return cls(unit, text)


@dataclass
class ChallengeDraft:
    """An instructor's challenge being written one step at a time; nothing is stored until "Tạo
    và gửi", and everything is checked again then. `unit` 0: the audience is not picked yet."""

    unit: int = 0
    text: str = ""
    lesson: str | None = None  # the rubric's lesson, or None with written criteria
    criteria: list[str] = field(default_factory=list)
    rubric: bool = False  # a lesson or criteria were chosen
    points: int = 0
    deadline: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "text": self.text,
            "lesson": self.lesson,
            "criteria": list(self.criteria),
            "rubric": self.rubric,
            "points": self.points,
            "deadline": self.deadline.isoformat() if self.deadline else None,
        }

    @classmethod
    def from_json(cls, data: object) -> ChallengeDraft | None:
        if not isinstance(data, dict):
            return None
        unit, points, lesson = data.get("unit"), data.get("points"), data.get("lesson")
        criteria = data.get("criteria")
        try:
            deadline = (
                datetime.fromisoformat(data["deadline"])
                if isinstance(data.get("deadline"), str)
                else None
            )
        except ValueError:
            deadline = None
        return cls(
            unit=unit if isinstance(unit, int) and not isinstance(unit, bool) else 0,
            text=str(data.get("text") or ""),
            lesson=lesson if isinstance(lesson, str) and lesson else None,
            criteria=[str(c) for c in criteria] if isinstance(criteria, list) else [],
            rubric=data.get("rubric") is True,
            points=points if isinstance(points, int) and not isinstance(points, bool) else 0,
            deadline=deadline if deadline is not None and deadline.tzinfo is not None else None,
        )


@dataclass
class PeerDraft:
    """A mentor's review of one piece of work: the findings tapped so far, criterion by
    criterion, waiting for the comment."""

    submission: int
    marks: list[str] = field(default_factory=list)  # "met" | "partly" | "missing", in order

    def to_json(self) -> dict[str, Any]:
        return {"submission": self.submission, "marks": list(self.marks)}

    @classmethod
    def from_json(cls, data: object) -> PeerDraft | None:
        if not isinstance(data, dict):
            return None
        submission, marks = data.get("submission"), data.get("marks")
        if isinstance(submission, bool) or not isinstance(submission, int):
            return None
        return cls(submission, [str(m) for m in marks] if isinstance(marks, list) else [])


@dataclass
class Conversation:
    step: str | None = None  # what the next typed text answers: "name", "settings_time", ...
    options: list[str] = field(default_factory=list)  # keys last offered, in the order shown
    labels: dict[str, str] = field(default_factory=dict)  # {key: label as shown}
    submit: str | None = None  # "Nộp bài": the lesson whose work the next message is
    held: HeldText | None = None  # a short message waiting for "is this your work?"
    voice: HeldText | None = None  # a voice note's transcript waiting to be sent
    tryai: TryAISession | None = None
    link_failures: list[str] = field(default_factory=list)  # ISO times of wrong link codes
    # A role invite shown to this person, waiting for their yes or no: its id, kept here so the
    # "rl:yes" button itself carries no id anyone could forge.
    role_invite: int | None = None
    leader_draft: AnnouncementDraft | None = None  # an announcement waiting for "Gửi"
    challenge_draft: ChallengeDraft | None = None  # an instructor's challenge being written
    peer_draft: PeerDraft | None = None  # a mentor's review of a peer's work, being marked
    extra: dict[str, Any] = field(default_factory=dict)  # keys of other versions, kept as read

    # ---- JSON -------------------------------------------------------------------------------

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Conversation:
        data = dict(data or {})
        step = data.pop("step", None)
        options = data.pop("options", None)
        labels = data.pop("labels", None)
        submit = data.pop("submit", None)
        failures = data.pop("link_failures", None)
        invite = data.pop("role_invite", None)
        return cls(
            step=step if isinstance(step, str) and step else None,
            options=[str(o) for o in options] if isinstance(options, list) else [],
            labels={str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {},
            submit=submit if isinstance(submit, str) and submit else None,
            held=HeldText.from_json(data.pop("held", None)),
            voice=HeldText.from_json(data.pop("voice", None)),
            tryai=TryAISession.from_json(data.pop("tryai", None)),
            link_failures=[str(t) for t in failures] if isinstance(failures, list) else [],
            role_invite=invite
            if isinstance(invite, int) and not isinstance(invite, bool)
            else None,
            leader_draft=AnnouncementDraft.from_json(data.pop("leader_draft", None)),
            challenge_draft=ChallengeDraft.from_json(data.pop("challenge_draft", None)),
            peer_draft=PeerDraft.from_json(data.pop("peer_draft", None)),
            extra=data,
        )

    def to_json(self) -> dict[str, Any]:
        """The stored form: unset fields are absent, as they were in the untyped dict."""
        out: dict[str, Any] = dict(self.extra)
        known = {
            "step": self.step,
            "options": list(self.options),
            "labels": dict(self.labels),
            "submit": self.submit,
            "held": self.held.to_json() if self.held else None,
            "voice": self.voice.to_json() if self.voice else None,
            "tryai": self.tryai.to_json() if self.tryai else None,
            "link_failures": list(self.link_failures),
            "role_invite": self.role_invite,
            "leader_draft": self.leader_draft.to_json() if self.leader_draft else None,
            "challenge_draft": self.challenge_draft.to_json() if self.challenge_draft else None,
            "peer_draft": self.peer_draft.to_json() if self.peer_draft else None,
        }
        out.update({k: v for k, v in known.items() if v})
        return out

    def changes(self, since: dict[str, Any]) -> StatePatch:
        """What changed from `since` (an earlier `to_json()`): the keys to write and to drop."""
        now = self.to_json()
        return StatePatch(
            set={k: v for k, v in now.items() if since.get(k, _ABSENT) != v},
            unset=tuple(sorted(k for k in since if k not in now)),
        )

    def offered(self, options: list[tuple[str, str]]) -> None:
        """Remember offered options ((key, label), ...) so that "2" or "B" can answer them."""
        self.options = [key for key, _ in options]
        self.labels = dict(options)

    def forget_options(self) -> None:
        """What is typed next is text (a name, a task, work), never an earlier numbered choice."""
        self.options = []
        self.labels = {}


_ABSENT = object()
_KEY = re.compile(r"[A-Za-z0-9_]{1,40}")


@dataclass(frozen=True)
class StatePatch:
    """Top-level keys to write (each replaced whole) and keys to remove; nothing else moves."""

    set: dict[str, Any] = field(default_factory=dict)
    unset: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for key in (*self.set, *self.unset):
            if not _KEY.fullmatch(key):  # keys go into JSON paths: keep them plain
                raise ValueError(f"state key {key!r}")

    def __bool__(self) -> bool:
        return bool(self.set or self.unset)

    def apply(self, state: dict[str, Any]) -> dict[str, Any]:
        """The patch applied to a stored dict (what storage does in SQL)."""
        merged = {k: v for k, v in state.items() if k not in self.unset}
        merged.update(self.set)
        return merged
