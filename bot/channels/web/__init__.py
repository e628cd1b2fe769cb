"""Web pages served by the bot: the public certificate verification page."""
