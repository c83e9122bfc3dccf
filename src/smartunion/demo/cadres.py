"""The demo's cadre accounts: one function for every demo module that needs a named cadre in an org."""

from __future__ import annotations

from smartunion.accounts.models import User
from smartunion.core.actors import SYSTEM
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Organisation


def demo_cadre(username: str, name: str, org: Organisation, role: str, hashed: str) -> User:
    """The account `username` (made with the demo password's hash when missing) holding `role` in `org`."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create(username=username, display_name=name, kind=User.Kind.CADRE, is_staff=True,
                                   password=hashed)
    if not user.positions.filter(org=org, role=role).exists():
        org_services.position_grant(user=user, org=org, role=role, by=SYSTEM)
    return user
