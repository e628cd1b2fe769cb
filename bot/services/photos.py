"""A photo of practice work on its way to the grader, without widening the Grader interface.

A channel that has fetched (and checked) a photo's bytes attaches them around `Dialog.handle`;
`PhotoGrader` hands them to the wrapped grader when the stored submission says a photo came
(`Work.photo == b""`). Outside that context (a regrade after a restart) the grader sees the
marker only, as before, and a person looks at the photo.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace

from lessons.model import Lesson
from scoring.grading import Grade, Grader, Work


@dataclass(frozen=True)
class Photo:
    content: bytes
    mime: str
    ref: str  # where it came from (a URL), kept as the submission's photo_ref


_attached: ContextVar[Photo | None] = ContextVar("attached_photo", default=None)


@contextmanager
def attached(photo: Photo | None) -> Iterator[None]:
    token = _attached.set(photo)
    try:
        yield
    finally:
        _attached.reset(token)


class PhotoGrader:
    """Wraps a grader; gives it the attached photo's bytes for the work being received."""

    def __init__(self, inner: Grader) -> None:
        self.inner = inner

    async def grade(self, lesson: Lesson, work: Work) -> Grade:
        photo = _attached.get()
        if photo is not None and work.photo == b"":
            work = replace(work, photo=photo.content, photo_mime=photo.mime)
        return await self.inner.grade(lesson, work)
