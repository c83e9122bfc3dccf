"""A draft that a reviewer sent back says so at the top of its page, with the reason, who and when."""

from __future__ import annotations

import pytest
from django.urls import reverse

from smartunion.core.actors import SYSTEM
from smartunion.editorial.services.articles import create_article, step

pytestmark = pytest.mark.django_db


def test_the_reason_of_a_send_back_is_at_the_top_of_the_page(tree, personas, console):
    article = create_article(by=SYSTEM, org=tree.jinan, title="退回的稿件", body="<p>正文</p>").article
    article = step(article, "submit", by=SYSTEM)
    url = reverse("console:editorial_article_review", args=[article.pk])
    client = console(personas.city_cadre)
    assert 'id="article-sent-back"' not in client.get(url).content.decode()
    step(article, "send_back", by=SYSTEM, note="请补充活动时间")
    page = client.get(url).content.decode()
    notice = page.split('id="article-sent-back">', 1)[1].split("</p>", 1)[0]
    assert notice.startswith("已被退回修改：请补充活动时间（")
    article = step(step(article.__class__.objects.get(pk=article.pk), "submit", by=SYSTEM), "pass_first", by=SYSTEM)
    assert 'id="article-sent-back"' not in client.get(url).content.decode()
