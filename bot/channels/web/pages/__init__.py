"""The web pages' handlers: each reads through the services (the same as the chat's), checks the
unit against the viewer's roles, and hands plain values to a template. Thin on purpose.

One module per page group (signin, units, review, records); this module is the route table."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from aiohttp import web

from bot.channels.web.pages.records import (
    certificates_page,
    challenges_page,
    honours_page,
    revoke_post,
)
from bot.channels.web.pages.review import review_page, review_post
from bot.channels.web.pages.signin import login, login_page, logout, signed_out, style
from bot.channels.web.pages.units import home, members

if TYPE_CHECKING:
    from bot.channels.web.dashboard import Site


def routes(site: Site) -> list[web.RouteDef]:
    from bot.channels.web import overview  # the figures' pages (they import this module)

    p = "/web"
    return [
        web.get(f"{p}/style.css", partial(style, site)),
        web.get(f"{p}/login/{{token}}", partial(login_page, site)),
        web.post(f"{p}/login/{{token}}", partial(login, site)),
        web.get(f"{p}/signed-out", partial(signed_out, site)),
        web.post(f"{p}/logout", partial(logout, site)),
        web.get(f"{p}/", partial(home, site)),
        web.get(p, partial(home, site)),
        web.get(f"{p}/unit/{{unit_id:[0-9]{{1,12}}}}/members", partial(members, site)),
        web.get(f"{p}/review", partial(review_page, site)),
        web.post(f"{p}/review/{{grade_id:[0-9]{{1,12}}}}", partial(review_post, site)),
        web.get(f"{p}/challenges", partial(challenges_page, site)),
        web.get(f"{p}/certificates", partial(certificates_page, site)),
        web.post(f"{p}/certificates/revoke", partial(revoke_post, site)),
        web.get(f"{p}/honours", partial(honours_page, site)),
        *overview.routes(site),
    ]
