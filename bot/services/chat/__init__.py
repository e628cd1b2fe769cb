"""The chat, split by concern behind one routing table (`routes.py`).

`bot.services.dialog.Dialog.handle` opens the transaction and makes a `Turn` (`turn.py`); the
`Router` (`router.py`) sends it to a handler: joining (`onboarding.py`, a table of steps), the
day's study (`study.py`), settings, the learner's account, linking channels, instructors' review.
Button keys are packed and parsed by `bot.services.buttons`; the conversation state is
`bot.services.conversation.Conversation`, saved by patch. How to add a command: see `routes.py`.
"""
