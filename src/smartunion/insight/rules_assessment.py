"""Who may do what with assessment schemes (考核), and which indicators are refused.

- defining a scheme (create, edit, indicators, compute, publish): a chair or administrator of the scheme's org or
  of an org above it; the scheme's org is a federation that assesses a level below it (ASSESSED_LEVELS: the province
  assesses its cities or its counties, a city its counties, the national federation its provinces);
- reading a scheme and its scores (queries/assessment.py `visible_schemes`): the cadres of the scheme's org and of
  the orgs above it, always; once published, also the cadres of every org inside the scheme's subtree (the assessed
  orgs and those below them), who see the whole ranking as it is announced (通报), not only their own line. A draft
  is never seen below the scheme's org; a city never sees another province's scheme.
- the 2023 rule against "指尖上的形式主义": an indicator may not count forced check-ins, online time, log-ins or app
  downloads and installs. `forbidden_reason` looks at the indicator's name and formula for those words (Chinese
  and English); the figure registry has no such figure either, so a formula can only name one through its words.
"""

from __future__ import annotations

import re

from smartunion.core.actors import is_system
from smartunion.orgs.models import Organisation, Position
from smartunion.orgs.queries import in_scope

K = Organisation.Kind
ASSESSED_LEVELS: dict[str, tuple[str, ...]] = {
    K.NATIONAL: (K.PROVINCE,),
    K.PROVINCE: (K.CITY, K.COUNTY),
    K.CITY: (K.COUNTY,),
}
LEVEL_LABELS = {K.PROVINCE: "省总工会", K.CITY: "市总工会", K.COUNTY: "县（区）总工会"}

RULE_2023 = ("根据2023年整治“指尖上的形式主义”、为基层减负的规定，考核不得以强制签到打卡、在线时长、登录次数或"
             "应用下载安装量作为指标")
FORBIDDEN_WORDS = (
    "签到", "打卡", "在线时长", "在线时间", "在线率", "登录次数", "登录", "登陆", "下载量", "下载", "安装量", "安装",
    "关注量", "点赞量",
)
FORBIDDEN_PATTERN = re.compile(
    r"check[_ -]?in|sign[_ -]?in|clock[_ -]?in|log[_ -]?in|online|download|install|app[_ -]?users?|"
    r"active[_ -]?users|daily[_ -]?active|\bdau\b|\bmau\b",
    re.IGNORECASE,
)


def forbidden_reason(*texts: str) -> str | None:
    """The Chinese refusal when any text (an indicator's name, its formula) counts a forbidden thing, else None."""
    for text in texts:
        text = text or ""
        word = next((w for w in FORBIDDEN_WORDS if w in text), None)
        if word is None:
            match = FORBIDDEN_PATTERN.search(text)
            word = match.group(0) if match else None
        if word is not None:
            return f"{RULE_2023}（指标中含“{word}”）"
    return None


def levels_for(org: Organisation | None) -> tuple[str, ...]:
    return ASSESSED_LEVELS.get(org.kind, ()) if org is not None else ()


def can_define(user, org: Organisation | None) -> bool:
    """May define (and compute, publish) a scheme of this org."""
    if org is None or not levels_for(org):
        return False
    return is_system(user) or in_scope(user, org, roles=Position.MANAGING_ROLES)
