"""Demo new media (新媒体宣传) in 济南 and the province, through the editorial services (issue 11).

Called by demo/seeding.py after the benefits:

    from smartunion.demo.seed_editorial import build_editorial
    build_editorial(progress=progress)

What it makes:
- a small sensitive-word list (a block word, warn words with suggestions, an allowed context);
- editorial accounts in 济南市总工会: `jinan_editor` (编辑), `jinan_first` (初审员), `jinan_final` (终审员),
  `jinan_signer` (签发人), all with the demo password;
- 济南's channels: the portal, a WeChat account and a Weibo account as recording channels (the demo's stand-in for
  the platforms: what they "receive" is kept in 演示渠道记录), and one that fails with a platform error;
- articles in every state: a draft, one at 初审, one at 终审, one waiting for 签发, one scheduled for tomorrow, two
  published (on the portal and the recording channels; one channel failed and waits for its retry), one withdrawn;
- the province's article distributed to every desk below (济南 republished it on its channels), and 历下区's
  article submitted up to 济南 (waiting for adoption), another adopted and a third declined;
- 90 days of figures for the channels of 济南, 青岛 and 历下, so that the reach ranking has something to show.
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from smartunion.accounts.models import User
from smartunion.core.actors import SYSTEM
from smartunion.demo.cadres import demo_cadre as _cadre
from smartunion.editorial.models import ChannelMetric
from smartunion.editorial.services import pools, publishing, words
from smartunion.editorial.services.articles import create_article, step
from smartunion.editorial.services.metrics import record_day
from smartunion.orgs.models import Organisation, Position

R = Position.Role
CHAIN = ("submit", "pass_first", "pass_final", "sign")


def _body(*paragraphs: str) -> str:
    return "".join(f"<p>{p}</p>" for p in paragraphs)


ARTICLES = [
    ("济南市总工会启动“工会进万家”送温暖活动", "为困难职工送去慰问金和生活物资",
     _body("12月1日，济南市总工会在历下区启动“工会进万家”送温暖活动，向困难职工家庭发放慰问金和米面油等生活物资。",
           "活动将持续到春节前，覆盖全市各区县的困难职工、新就业形态劳动者和一线职工。")),
    ("外卖骑手“暖心驿站”再添30处", "新就业形态劳动者歇脚有了好去处",
     _body("今年以来，全市新建户外劳动者服务站点30处，提供饮水、充电、休息和应急药品等服务。",
           "各站点位置可在职工门户的服务地图中查询。")),
    ("职工技能大赛焊工组决赛举行", "120名选手同台竞技",
     _body("第五届职工技能大赛焊工组决赛在济南举行，120名选手参赛。")),
    ("“法律援助进企业”活动走进高新区", "律师面对面解答劳动争议问题",
     _body("市总工会组织援助律师走进高新区企业，为职工解答劳动合同、工资支付等问题。")),
    ("工会会员卡新增生日福利", "会员生日当月可领取生日慰问券",
     _body("即日起，会员可在生日当月通过职工门户领取生日慰问券。")),
    ("市总工会开展安全生产月宣传", "", _body("安全生产月期间，各级工会共开展安全知识宣讲200余场。")),
    ("春节前职工返乡乘车补贴开始申请", "", _body("春节前，在济务工的职工可申请返乡乘车补贴，详情见通知。")),
    ("关于调整职工疗休养安排的说明", "", _body("原定于本月的职工疗休养活动因故调整，具体安排另行通知。")),
]



def _figures(channel, *, base: int, rng: random.Random, days: int = 90) -> None:
    today = timezone.localdate()
    followers = base * 3
    for offset in range(days, 0, -1):
        posted = rng.choice((0, 1, 1, 2, 3))
        reads = int(base * posted * rng.uniform(0.6, 1.4)) + rng.randrange(base // 10 + 1)
        followers += rng.randrange(0, base // 50 + 2)
        ChannelMetric.objects.update_or_create(channel=channel, day=today - dt.timedelta(days=offset), defaults={
            "org_path": channel.org_path, "articles": posted, "reads": reads,
            "max_reads": int(reads * rng.uniform(0.4, 0.9)) if posted else 0,
            "likes": reads // rng.randint(30, 60), "shares": reads // rng.randint(60, 120),
            "comments": reads // rng.randint(100, 300), "followers": followers,
            "source": ChannelMetric.Source.IMPORT})


def build_editorial(*, progress, password: str) -> dict[str, int]:
    progress("正在生成新媒体演示数据……")
    rng = random.Random(2026)
    province = Organisation.objects.get(kind=Organisation.Kind.PROVINCE)
    jinan = Organisation.objects.get(kind=Organisation.Kind.CITY, region_id="370100")
    qingdao = Organisation.objects.get(kind=Organisation.Kind.CITY, region_id="370200")
    lixia = Organisation.objects.get(kind=Organisation.Kind.COUNTY, region_id="370102")
    hashed = make_password(password)
    editor = _cadre("jinan_editor", "济南市总工会编辑", jinan, R.EDITOR, hashed)
    first = _cadre("jinan_first", "济南市总工会初审员", jinan, R.FIRST_REVIEWER, hashed)
    final = _cadre("jinan_final", "济南市总工会终审员", jinan, R.FINAL_REVIEWER, hashed)
    signer = _cadre("jinan_signer", "济南市总工会签发人", jinan, R.SIGNER, hashed)
    reviewers = {"submit": editor, "pass_first": first, "pass_final": final, "sign": signer}

    words.import_words([("网络赌博", "违法违规", "禁用"), ("刷单返利", "违法违规", "禁用"),
                        ("农民工", "不规范表述", "提示", "进城务工人员"),
                        ("临时工", "不规范表述", "提示", "劳务派遣人员"),
                        ("反动", "政治有害", "禁用")], by=SYSTEM)
    from smartunion.editorial.models import SensitiveWord

    words.allow_context(SensitiveWord.objects.get(word="反动"), by=SYSTEM, context="反动派")

    portal = publishing.portal_channel(jinan)
    wechat = publishing.register_channel(by=SYSTEM, org=jinan, kind="recording", name="济南工会（公众号演示）",
                                         account="gh_jinan_demo")
    weibo = publishing.register_channel(by=SYSTEM, org=jinan, kind="recording", name="济南工会（微博演示）")
    broken = publishing.register_channel(by=SYSTEM, org=jinan, kind="recording", name="济南工会（头条号演示）",
                                         config={"fail": "access_token 已过期（演示：该渠道总是失败）"})

    made = []
    for title, summary, body in ARTICLES:
        made.append(create_article(by=editor, org=jinan, title=title, summary=summary, body=body,
                                   author="济南市总工会宣传部").article)
    # 0, 1: published on every channel (one channel failed); 2: scheduled; 3: waiting for 签发; 4: at 终审;
    # 5: at 初审; 6: a draft; 7: withdrawn.
    for index, actions in ((0, CHAIN), (1, CHAIN), (3, CHAIN[:3]), (4, CHAIN[:2]), (5, CHAIN[:1]), (7, CHAIN)):
        article = made[index]
        for action in actions:
            article = step(article, action, by=reviewers[action], note="同意" if action != "submit" else "")
        made[index] = article
    scheduled = made[2]
    scheduled.go_live_at = timezone.now() + dt.timedelta(days=1)
    scheduled.save(update_fields=["go_live_at"])
    for action in CHAIN:
        scheduled = step(scheduled, action, by=reviewers[action])
    for article in (made[0], made[1], made[7]):
        publishing.publish(article, by=signer, channels=[portal, wechat, weibo, broken])
    step(made[7], "withdraw", by=signer, note="活动安排调整，撤回原稿")

    # Down and up the tree.
    province_chair = _cadre("province_editor", "山东省总工会宣传部", province, R.CHAIR, hashed)
    provincial = create_article(by=province_chair, org=province, title="全省职工职业技能大赛启动",
                                summary="设12个工种，冠军可获“齐鲁工匠”推荐资格",
                                body=_body("省总工会近日启动全省职工职业技能大赛，设焊工、电工等12个比赛工种。")).article
    for action in CHAIN:
        provincial = step(provincial, action, by=province_chair)
    pools.distribute_down(provincial, by=province_chair)
    jinan_item = provincial.pool_items.get(to_org=jinan)
    pools.republish(jinan_item, by=signer, channels=[portal, wechat])
    lixia_chair = _cadre("lixia_editor", "历下区总工会宣传委员", lixia, R.CHAIR, hashed)
    submitted = []
    for title in ("历下区工会为环卫工人送清凉", "历下区开展“法律进社区”活动", "历下区举办职工趣味运动会"):
        article = create_article(by=lixia_chair, org=lixia, title=title,
                                 body=_body(f"{title}，受到职工欢迎。")).article
        for action in CHAIN:
            article = step(article, action, by=lixia_chair)
        submitted.append(pools.submit_up(article, by=lixia_chair, note="请市总工会审阅"))
    pools.adopt(submitted[1], by=editor)
    pools.decline(submitted[2], by=editor, reason="与本周已发稿件主题重复")

    # Figures for the reach ranking.
    qingdao_wechat = publishing.register_channel(by=SYSTEM, org=qingdao, kind="recording",
                                                 name="青岛工会（公众号演示）")
    lixia_wechat = publishing.register_channel(by=SYSTEM, org=lixia, kind="recording", name="历下工会（公众号演示）")
    for channel, base in ((wechat, 4000), (weibo, 1500), (qingdao_wechat, 5200), (lixia_wechat, 600),
                          (portal, 800)):
        _figures(channel, base=base, rng=rng)
    record_day(broken, by=SYSTEM, day=timezone.localdate() - dt.timedelta(days=1), articles=1, reads=300)
    hits = _watch(province=province, jinan=jinan, article=made[0], hashed=hashed)
    return {"articles": len(made) + 1 + len(submitted), "channels": 7, "words": 5, "watch_hits": hits}


DEMO_FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>本地论坛（演示）</title><link>https://bbs.example.cn/</link>
<item><guid>demo-1</guid><title>某建筑工地拖欠工资，二十多名工人讨薪无果</title><link>https://bbs.example.cn/t/1</link>
<description>网友反映，某建筑工地拖欠工资已有三个月，工人多次讨薪无果。</description></item>
<item><guid>demo-2</guid><title>化工园区举行安全生产应急演练</title><link>https://bbs.example.cn/t/2</link>
<description>园区组织了一次事故应急演练，模拟泄漏事故处置。</description></item>
<item><guid>demo-3</guid><title>物流园区发生叉车事故，一人受伤</title><link>https://bbs.example.cn/t/3</link>
<description>今日上午，某物流园区发生叉车事故，一名工人受伤送医。</description></item>
</channel></rss>
"""


def _watch(*, province, jinan, article, hashed: str) -> int:
    """舆情监测: a province rule over comments, feeds and cases, a city rule over feeds with an exclusion word, a
    feed imported from a file, and workers' comments on a published article (one held for a warn-level word)."""
    from smartunion.editorial.models import WatchHit
    from smartunion.editorial.services import comments, watch

    watch.add_rule(by=SYSTEM, org=province, name="劳资纠纷", keywords=["欠薪", "拖欠工资", "讨薪", "罢工"],
                   sources=["comment", "feed", "case"])
    watch.add_rule(by=SYSTEM, org=jinan, name="安全生产", keywords=["事故", "伤亡"], exclusions=["演练"],
                   sources=["feed"])
    feed = watch.register_feed(by=SYSTEM, org=jinan, name="本地论坛（演示）")
    watch.import_feed_file(feed, DEMO_FEED.encode(), by=SYSTEM)
    # The demo's cases were filed before these rules existed: read them once, as the rules' first pass over what
    # came in before (a case filed from now on is read as it is filed).
    from smartunion.cases.models import Case
    from smartunion.editorial.watch import scan

    for case in Case.objects.order_by("id"):
        scan("case", case.pk, case.title or case.number, case.description, case.org_path,
             f"/console/cases/case/{case.pk}/handle/")
    readers = [User.objects.get_or_create(username=name, defaults={
        "display_name": label, "kind": User.Kind.WORKER, "password": hashed})[0]
        for name, label in (("news_reader_1", "职工小王"), ("news_reader_2", "职工小李"),
                            ("news_reader_3", "职工小张"))]
    comments.post_comment(article, by=readers[0], text="为一线职工点赞，希望多办这样的活动！")
    comments.post_comment(article, by=readers[1], text="我们单位也有拖欠工资的情况，希望工会关注。")
    comments.post_comment(article, by=readers[2], text="农民工兄弟也想参加，怎么报名？")  # warn word: held
    return WatchHit.objects.count()
