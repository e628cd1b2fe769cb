"""/certificate ("chứng nhận"): a learner's certificates, naming one, sending one again."""

from __future__ import annotations

from bot.services import buttons, certificates
from bot.services.chat import study
from bot.services.chat.turn import Turn
from bot.services.io import Out

STEP = "cert_name"  # "cert_name:<certificate id>": the next typed text is the name to print
FIX_STEP = "cert_fix"  # "cert_fix:<certificate id>": the next typed text is the corrected name


async def command(turn: Turn, _args: str) -> list[Out]:
    out, waiting = await certificates.overview(turn.deps, turn.repo, turn.learner, turn.tr)
    if waiting is not None:
        turn.state.step = f"{STEP}:{waiting.id}"  # the name may be typed straight away
    return out


async def on_button(turn: Turn, button: buttons.Certificate) -> list[Out]:
    deps, repo, learner, tr = turn.deps, turn.repo, turn.learner, turn.tr
    record = await certificates.owned(repo, learner, button.certificate)
    if record is None:
        return [Out(text=tr("choice.stale"))]
    if button.action == "use":  # the display name, as the button showed it
        name, problem = certificates.full_name(learner.display_name or "")
        if problem:
            turn.state.step = f"{STEP}:{record.id}"
            return [certificates.name_prompt(record, learner, tr, problem)]
        return await certificates.issue(deps, repo, learner, tr, record.id, name)
    if button.action == "type":
        if record.named:
            return await certificates.issue(
                deps, repo, learner, tr, record.id, record.full_name or ""
            )
        turn.state.step = f"{STEP}:{record.id}"
        return [Out(text=tr("cert.type_now"))]
    if button.action == "ok":  # the name typed before, kept with the certificate
        if not record.name_draft and not record.named:
            return [certificates.name_prompt(record, learner, tr)]
        return await certificates.issue(
            deps, repo, learner, tr, record.id, record.name_draft or record.full_name or ""
        )
    if button.action == "fix":
        out, waits = await certificates.ask_fix(repo, tr, record)
        if waits:
            turn.state.step = f"{FIX_STEP}:{record.id}"
        return out
    if button.action == "fixok":
        return await certificates.apply_fix(deps, repo, learner, tr, record)
    if record.named:  # "send"
        return await certificates.documents(deps, record, tr)
    return [certificates.name_prompt(record, learner, tr)]


async def on_text(turn: Turn, step: str) -> list[Out]:
    """Text typed when the name to print was asked for."""
    text = turn.event.text
    turn.state.step = None
    if not certificates.may_be_name(text):  # work or chat: answered as such, never stuck here
        return await study.work_or_hint(turn)
    picked = turn.offered_choice(text)  # "1": the display name offered
    if picked is not None:
        return await turn.choice(picked)
    raw = step.partition(":")[2]
    record = (
        await certificates.owned(turn.repo, turn.learner, int(raw))
        if (raw.isdigit() and int(raw) < 2**63)
        else None
    )
    if record is None or record.named:
        return await command(turn, "")
    out, again = await certificates.propose(turn.repo, turn.learner, turn.tr, record, text)
    if again:
        turn.state.step = step
    return out


async def on_fix_text(turn: Turn, step: str) -> list[Out]:
    """Text typed when the corrected name was asked for."""
    text = turn.event.text
    turn.state.step = None
    if not certificates.may_be_name(text):  # work or chat: answered as such, never stuck here
        return await study.work_or_hint(turn)
    raw = step.partition(":")[2]
    record = (
        await certificates.owned(turn.repo, turn.learner, int(raw))
        if (raw.isdigit() and int(raw) < 2**63)
        else None
    )
    if record is None or not record.named:
        return await command(turn, "")
    out, again = await certificates.propose_fix(turn.repo, turn.tr, record, text)
    if again:
        turn.state.step = step
    return out
