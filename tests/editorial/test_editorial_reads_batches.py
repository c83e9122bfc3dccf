"""The portal's read batches (editorial/reads.py): two processes' batches over the same articles in opposite
orders both land (PostgreSQL, real threads); a batch the database refuses goes back to the pending reads instead of
failing the reader's page; the news cache drops an article as soon as it is withdrawn."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection
from tests.members.test_concurrency import run_together, split

from smartunion.core.actors import SYSTEM
from smartunion.editorial import queries, reads
from smartunion.editorial.models import Article, ChannelMetric
from smartunion.editorial.services.articles import create_article, step
from smartunion.editorial.services.publishing import portal_channel, publish


def published(org, title):
    article = create_article(by=SYSTEM, org=org, title=title, body="<p>正文</p>").article
    for action in ("submit", "pass_first", "pass_final", "sign"):
        article = step(article, action, by=SYSTEM)
    publish(article, by=SYSTEM, channels=[portal_channel(org)])
    return article


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="needs real parallel transactions (PostgreSQL); SQLite serialises writers")
def test_batches_over_the_same_articles_in_opposite_orders_both_land(tree):
    ids = [published(tree.jinan, f"文章{i}").pk for i in range(30)]
    forward = {pk: 1 for pk in ids}
    backward = dict(reversed([(pk, 2) for pk in ids]))
    for _ in range(3):
        results = run_together(lambda: reads.write(forward), lambda: reads.write(backward))
        done, errors = split(results)
        assert errors == [] and done == [30, 60]
    assert sorted(set(Article.objects.filter(pk__in=ids).values_list("read_count", flat=True))) == [9]
    assert ChannelMetric.objects.get(channel__org=tree.jinan, source="portal").reads == 270


@pytest.mark.django_db
def test_a_refused_batch_is_kept_for_the_next_one(tree, monkeypatch):
    article = published(tree.jinan, "一篇文章")
    reads.flush()
    calls = []

    def refuse(batch):
        calls.append(dict(batch))
        raise DatabaseError("deadlock detected")

    monkeypatch.setattr(reads, "FLUSH_EVERY", 2)
    monkeypatch.setattr(reads, "write", refuse)
    reads.count_read(article.pk)
    reads.count_read(article.pk)  # the batch is due: refused, no exception for the reader
    assert calls == [{article.pk: 2}]
    monkeypatch.undo()
    assert reads.flush() == 2
    article.refresh_from_db()
    assert article.read_count == 2


@pytest.mark.django_db
def test_the_news_cache_drops_a_withdrawn_article_at_once(tree):
    article = published(tree.jinan, "将被撤回的文章")
    assert queries.portal_article(article.pk).title == "将被撤回的文章"
    page = queries.portal_news_page(tree.jinan.path, 1, 15)
    assert [a.title for a in page] == ["将被撤回的文章"] and not page.has_next
    step(Article.objects.get(pk=article.pk), "withdraw", by=SYSTEM, note="撤回")
    assert queries.portal_article(article.pk) is None
    assert list(queries.portal_news_page(tree.jinan.path, 1, 15)) == []


@pytest.mark.django_db
def test_the_publishing_panel_offers_the_orgs_portal_channel_even_before_anyone_made_it(tree):
    from smartunion.console.admin.editorial import PublishForm
    from smartunion.editorial.models import Channel

    article = create_article(by=SYSTEM, org=tree.qingdao, title="青岛的第一篇", body="<p>正文</p>").article
    assert not Channel.objects.filter(org=tree.qingdao).exists()
    form = PublishForm(article=article)
    assert [(c.kind, c.org_id) for c in form.fields["channels"].queryset] == [("portal", tree.qingdao.pk)]
