"""The storage ports on SQLAlchemy, one module per port; `bot.storage.uow` holds them together."""
