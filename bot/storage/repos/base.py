"""What every SQL port shares: the transaction's session and an insert that ignores a conflict."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Executable
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


class SqlPort:
    """A port on the unit of work's session. It never commits: the surrounding transaction does."""

    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    @property
    def _dialect(self) -> str:
        return self.s.bind.dialect.name if self.s.bind else "sqlite"

    def _insert(self, model: type) -> Any:
        return postgresql.insert(model) if self._dialect == "postgresql" else sqlite.insert(model)

    def _insert_ignore(self, model: type, **values: Any) -> Any:
        """INSERT that does nothing on a unique conflict, on SQLite and PostgreSQL alike."""
        return self._insert(model).values(**values).on_conflict_do_nothing()

    async def _inserted(self, model: type, **values: Any) -> bool:
        return bool(await self._changed(self._insert_ignore(model, **values)))

    async def _changed(self, statement: Executable) -> int:
        """The rows an INSERT, UPDATE or DELETE touched. Session.execute is typed as returning a
        Result; for these statements it is a CursorResult, the kind that counts rows."""
        result = cast("CursorResult[Any]", await self.s.execute(statement))
        return int(result.rowcount or 0)
