"""The demo new media (demo/seed_editorial.py): articles in every state in 济南, publications with one failed
channel, the pools down and up, the sensitive words and figures for the ranking."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from smartunion.editorial import reach
from smartunion.editorial.models import Article, PoolItem, Publication, SensitiveWord
from smartunion.orgs.models import Organisation

pytestmark = pytest.mark.django_db


def test_the_demo_new_media(capsys, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # comments and cases reach the watch after commit
        call_command("seed", "--members", "20", "--seed", "7")
    jinan = Organisation.objects.get(kind="city", region_id="370100")
    statuses = sorted(Article.objects.filter(org=jinan, origin="original").values_list("status", flat=True))
    assert statuses == sorted(["published", "published", "scheduled", "sign_off", "final_review", "first_review",
                               "draft", "withdrawn"])
    assert sorted(Publication.objects.values_list("status", flat=True)).count("failed") == 2
    assert Publication.objects.filter(status="withdrawn").count() == 4
    assert sorted(PoolItem.objects.filter(direction="up").values_list("status", flat=True)) == [
        "adopted", "declined", "waiting"]
    assert PoolItem.objects.filter(direction="down", to_org=jinan, status="republished").count() == 1
    assert SensitiveWord.objects.count() == 5
    today = timezone.localdate()
    month = today.month - 1 or 12
    year = today.year if today.month > 1 else today.year - 1
    rows = reach.ranking(Organisation.objects.get(kind="province"), year=year, month=month)
    assert [r["channel"] for r in rows][:1] == ["青岛工会（公众号演示）"]
    assert "jinan_editor" in capsys.readouterr().out
    # 舆情监测: the feed's wage-arrears entry and accident entry (the drill is excluded), the comment about arrears,
    # and the demo cases whose descriptions name the rule's words.
    from smartunion.editorial.models import ArticleComment, FeedItem, WatchHit

    assert FeedItem.objects.count() == 3
    feed_hits = sorted(WatchHit.objects.filter(source="feed").values_list("rule__name", "keyword"))
    assert feed_hits == [("劳资纠纷", "拖欠工资"), ("劳资纠纷", "讨薪"), ("安全生产", "事故")]
    assert WatchHit.objects.filter(source="comment").values_list("keyword", flat=True).get() == "拖欠工资"
    assert sorted(ArticleComment.objects.values_list("status", flat=True)) == ["held", "visible", "visible"]
    assert WatchHit.objects.filter(source="case").values_list("keyword", flat=True).get() == "拖欠工资"
