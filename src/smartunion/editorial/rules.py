"""Who may do what in the editorial app."""

from __future__ import annotations

from smartunion.core.actors import is_system
from smartunion.core.calendar import may_load_holiday_schedules
from smartunion.orgs.models import Position
from smartunion.orgs.queries import in_scope

R = Position.Role
# Who may do each part of an article's life, by role in the article's org or an org above it. Chairs may do every
# step (a union's leadership signs off its own publicity); administrators may draft.
WRITING_ROLES = (R.CHAIR, R.ADMINISTRATOR, R.EDITOR)
FIRST_REVIEW_ROLES = (R.CHAIR, R.FIRST_REVIEWER)
FINAL_REVIEW_ROLES = (R.CHAIR, R.FINAL_REVIEWER)
SIGNING_ROLES = (R.CHAIR, R.SIGNER)
READING_ROLES = (*WRITING_ROLES, R.FIRST_REVIEWER, R.FINAL_REVIEWER, R.SIGNER)


def may_use_desk(user) -> bool:
    """The console's new-media pages (稿件, 稿件库, 发布渠道): whoever holds an editorial role somewhere."""
    from smartunion.orgs.queries import is_unrestricted, managed_paths

    return is_unrestricted(user) or bool(managed_paths(user, roles=READING_ROLES))


def may_watch(user) -> bool:
    """The public-opinion watch's pages (舆情监测): whoever holds a writing role (chair, administrator, editor)."""
    from smartunion.orgs.queries import is_unrestricted, managed_paths

    return is_unrestricted(user) or bool(managed_paths(user, roles=WRITING_ROLES))


def holds(user, article, roles) -> bool:
    """The user holds one of `roles` in the article's org or above (the platform operator counts everywhere)."""
    return is_system(user) or in_scope(user, article.org, roles=roles)


def may_write(user, article) -> bool:
    return holds(user, article, WRITING_ROLES)


def may_first_review(user, article) -> bool:
    return holds(user, article, FIRST_REVIEW_ROLES)


def may_final_review(user, article) -> bool:
    return holds(user, article, FINAL_REVIEW_ROLES)


def may_sign(user, article) -> bool:
    return holds(user, article, SIGNING_ROLES)


def may_maintain_words(user) -> bool:
    """The sensitive-word list is the deployment's: platform operators and the chairs and administrators of the
    provincial (or national) federation keep it, the same people who keep the holiday schedules."""
    return is_system(user) or may_load_holiday_schedules(user)
