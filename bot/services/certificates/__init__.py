"""Level certificates: earned by the rule in levels.yaml, issued once, named by the learner,
sent as a PDF (and a picture where a channel has no files), verified by code, revoked by officials.

A certificate row is created the moment a confirmed grade completes the rule, in the same
transaction as that grade (model grade, regrade job, instructor or bulk confirmation); the unique
(learner, level) key makes it once across processes, restarts and redelivered updates. The learner
then confirms the name to print; only then is the document made and the code shown to anyone."""

from __future__ import annotations

from bot.services.certificates.changes import (
    OWN_FIXES,
    RenameOutcome,
    apply_fix,
    ask_fix,
    own_fixes_left,
    propose_fix,
    rename,
)
from bot.services.certificates.documents import (
    DEFAULT_PUBLIC_URL,
    VERIFY_PATH,
    CertificateCard,
    CertificateMaker,
    card,
    documents,
    verify_url,
)
from bot.services.certificates.issuing import (
    CODE_ATTEMPTS,
    after_confirmed,
    earned_messages,
    issue,
    name_prompt,
    overview,
    owned,
    propose,
    standing,
)
from bot.services.certificates.names import MAX_FULL_NAME, NameProblem, full_name, may_be_name
from bot.services.certificates.registry import (
    MAX_REASON,
    RevokeOutcome,
    Verification,
    VerifyStatus,
    as_rows,
    listing,
    revoke,
    status_word,
    verify,
)

__all__ = [
    "CODE_ATTEMPTS",
    "DEFAULT_PUBLIC_URL",
    "MAX_FULL_NAME",
    "MAX_REASON",
    "OWN_FIXES",
    "VERIFY_PATH",
    "CertificateCard",
    "CertificateMaker",
    "NameProblem",
    "RenameOutcome",
    "RevokeOutcome",
    "Verification",
    "VerifyStatus",
    "after_confirmed",
    "apply_fix",
    "as_rows",
    "ask_fix",
    "card",
    "documents",
    "earned_messages",
    "full_name",
    "issue",
    "listing",
    "may_be_name",
    "name_prompt",
    "overview",
    "own_fixes_left",
    "owned",
    "propose",
    "propose_fix",
    "rename",
    "revoke",
    "standing",
    "status_word",
    "verify",
    "verify_url",
]
