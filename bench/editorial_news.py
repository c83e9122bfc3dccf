"""The portal's 工会新闻 through gunicorn, beside the same server's one-SELECT endpoint, in one run (issue 11).

    python bench/editorial_news.py                                   # a fresh SQLite file under a temporary folder
    DATABASE_URL=postgres://... python bench/editorial_news.py       # that database: migrated, seeded if empty
    options: --articles 10000 --members 2000 --orgs 3000 --seconds 15 --connections 8 --threads 2 --workers 2

The script

1. migrates the database and, when it holds no province yet, seeds the demo province with `seed_province`
   (--members members, --orgs orgs: the demo tree with its 16 cities and their counties, the demo accounts, and the
   demo's own new-media articles);
2. deletes the articles of an earlier run of this bench (marked by their source_url under https://bench.invalid/)
   and writes --articles published articles in bulk over the last year: a tenth by the province, four tenths by
   the cities, half by the counties, each with 3 to 8 paragraphs (about 600 to 1,600 characters); nine in ten
   sent to their org's portal channel, the others only to a recording channel (not on the portal); plus a tenth
   as many articles still in review (never listed); then ANALYZE (planner statistics);
3. prints the queries each page runs (django's CaptureQueriesContext through the test client) and the median time
   of the view in-process;
4. starts gunicorn on 127.0.0.1 (sync workers) with a one-SELECT endpoint added by the bench (GET
   /bench/one-select: one article's title by primary key through the whole middleware stack, no log-in) and drives,
   with wrk (Debian package `wrk`) for --seconds each:
   - the one-SELECT endpoint,
   - /news/ as an anonymous visitor (the top subsite: every article of the province),
   - /news/ as a worker of a 济南 union (the 济南 subsite: the city's subtree), signed in by a session cookie,
   - /news/?page=40 (a deep page) as the anonymous visitor,
   - /news/<id>/ over 2,000 different articles (a few read far more often than the rest), with the read counter of
     editorial/reads.py on: reads are gathered per process and written in batches,
   - the Atom feed of 济南;
   before each run it waits until the server has worked off what the previous run left queued;
5. prints requests/s, latency p50/p90/p99 and the statuses of each, and the ratio of each page to the one-SELECT
   endpoint; after the server has stopped, checks that the reads written to the articles equal the article pages
   served (a process writes its last batch at exit).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from wrkload import wait_for  # bench/wrkload.py

ROOT = Path(__file__).resolve().parent.parent
PORT = 8767
MARK = "https://bench.invalid/"

# The server: the product's WSGI application with one read-only endpoint added for the comparison.
WSGI = '''
import logging
import os

from django.core.wsgi import get_wsgi_application
from django.http import JsonResponse
from django.urls import path

application = get_wsgi_application()
logging.getLogger("django.request").setLevel(logging.ERROR)

from smartunion import urls  # noqa: E402
from smartunion.editorial.models import Article  # noqa: E402

ARTICLE = int(os.environ["BENCH_ARTICLE_ID"])
if os.environ.get("BENCH_HOLD_READS"):  # diagnostic (--hold-reads): no batch written until the process exits
    from smartunion.editorial import reads

    reads.FLUSH_EVERY, reads.FLUSH_SECONDS = 10**9, 10.0**9


def one_select(request):
    return JsonResponse({"title": Article.objects.filter(pk=ARTICLE).values_list("title", flat=True).first()})


urls.urlpatterns.insert(0, path("bench/one-select", one_select))
'''

# wrk's request script: one `<path>\t<cookie>` line per request (`-` for no cookie), each thread on its own stride
# of the lines, repeating them; answers counted by status (the same report as bench/wrkload.py).
LUA = r"""
local lines = {}
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local stride = tonumber(args[1])
  local n = 0
  for line in io.lines(args[2]) do
    if n % stride == id then table.insert(lines, line) end
    n = n + 1
  end
  if #lines == 0 then  -- fewer lines than threads: this thread repeats them all
    for line in io.lines(args[2]) do table.insert(lines, line) end
  end
  statuses = {}
end

function request()
  counter = counter % #lines + 1
  local line = lines[counter]
  local tab = string.find(line, "\t", 1, true)
  local target, cookie = string.sub(line, 1, tab - 1), string.sub(line, tab + 1)
  local headers = {}
  if cookie ~= "-" then headers["Cookie"] = cookie end
  return wrk.format("GET", target, headers, nil)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for code, count in pairs(s) do
      io.write(string.format("status %d %d\n", code, count))
    end
  end
end
"""

SENTENCES = [
    "市总工会党组书记、常务副主席出席活动并讲话，要求各级工会把服务职工的各项措施落到实处。",
    "活动现场设置了法律咨询、心理疏导、健康义诊、政策宣讲等服务台，吸引了大批职工前来咨询。",
    "今年以来，全市各级工会共开展送温暖活动一千二百余场，走访慰问困难职工八千余户。",
    "新就业形态劳动者入会工作持续推进，外卖骑手、快递小哥、网约车司机等群体入会人数稳步增长。",
    "户外劳动者服务站点提供饮水、充电、休息、应急药品等服务，成为一线职工的“暖心驿站”。",
    "职工技能大赛设焊工、电工、数控车工、养老护理员等十二个项目，获奖选手将按规定晋升职业技能等级。",
    "工会法律援助律师团队深入企业开展普法宣传，为职工解答劳动合同、工资支付、工伤认定等方面的问题。",
    "下一步，市总工会将继续深化产业工人队伍建设改革，推动更多惠及职工的政策措施落地见效。",
    "参加活动的职工纷纷表示，工会组织的活动贴近实际、服务周到，让大家切实感受到了“娘家人”的温暖。",
    "据了解，本次活动由市总工会主办，各区县总工会、产业工会协办，持续时间为一个月。",
    "职工疗休养活动安排了红色教育、健康体检、文体活动等内容，首批二百名一线劳动模范和先进职工参加。",
    "困难职工帮扶中心为前来求助的职工建立了帮扶档案，实行一户一策、精准帮扶。",
]
TITLES = [
    "{org}开展“工会进万家”送温暖活动", "{org}举办职工技能大赛", "{org}推进新就业形态劳动者入会",
    "{org}新建户外劳动者服务站点", "{org}组织法律援助进企业活动", "{org}召开工会工作会议",
    "{org}开展职工疗休养活动", "{org}举行劳动模范座谈会", "{org}启动职工心理健康关爱行动",
    "{org}举办青年职工联谊活动",
]


def parse(out: str) -> dict:
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    pct = {q: m.group(1) for q in ("50%", "90%", "99%") if (m := re.search(rf"^\s*{q}\s+(\S+)", out, re.M))}
    statuses: dict[int, int] = {}
    for code, count in re.findall(r"status (\d+) (\d+)", out):
        statuses[int(code)] = statuses.get(int(code), 0) + int(count)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"rate": rate, "total": total, "pct": pct, "statuses": statuses,
            "errors": errors.group(1) if errors else ""}


def drive(lines: list[str], *, seconds: int, connections: int, threads: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        script, data = Path(tmp) / "news.lua", Path(tmp) / "requests.tsv"
        script.write_text(LUA)
        data.write_text("\n".join(lines) + "\n")
        out = subprocess.run(
            ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency", "--timeout", "30s",
             "-s", str(script), f"http://127.0.0.1:{PORT}", "--", str(threads), str(data)],
            capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"wrk failed: {out.stderr or out.stdout}")
    return parse(out.stdout)


def settle(limit: float = 60.0) -> None:
    """Wait until the server has worked off the requests a run left queued (wrk stops sending, but slow pages it
    sent are still in the workers and the listen backlog): a one-SELECT request must answer within 50 ms."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        started = time.monotonic()
        urllib.request.urlopen(f"http://127.0.0.1:{PORT}/bench/one-select", timeout=limit).read()
        if time.monotonic() - started < 0.05:
            return
        time.sleep(0.5)


def show(label: str, result: dict, reference: dict | None) -> None:
    pct = "  ".join(f"p{q[:-1]} {v:>8}" for q, v in result["pct"].items())
    ratio = f"   ratio {result['rate'] / reference['rate']:.2f}" if reference and reference["rate"] else ""
    extra = f"   socket errors: {result['errors']}" if result["errors"] else ""
    print(f"  {label:<44} {result['rate']:>8,.0f}/s   {pct}   statuses {dict(sorted(result['statuses'].items()))}"
          f"{ratio}{extra}", flush=True)


# The parent: the environment (a fresh SQLite file unless DATABASE_URL names a database) ----------------------------

def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=10_000, help="published articles written by the bench")
    parser.add_argument("--members", type=int, default=2000, help="members of the seeded province (if seeded)")
    parser.add_argument("--orgs", type=int, default=3000, help="orgs of the seeded province (if seeded)")
    parser.add_argument("--seconds", type=int, default=15, help="each wrk run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--pages", default="list,city,deep,article,feed",
                        help="which pages to drive after the one-SELECT endpoint: list,city,deep,article,feed")
    parser.add_argument("--hold-reads", action="store_true",
                        help="diagnostic: the server writes the reads it counted only when it exits")
    parser.add_argument("--log-level", default="ERROR", help="the server's LOG_LEVEL")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    with tempfile.TemporaryDirectory(prefix="news_bench_") as tmp:
        tmp_path = Path(tmp)
        (tmp_path / "bench_news_wsgi.py").write_text(WSGI)
        env = dict(os.environ, SMARTUNION_GENERATE_KEYS="1", ALLOWED_HOSTS="127.0.0.1,localhost",
                   LOG_LEVEL=args.log_level,
                   PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT / "src"), str(ROOT / "bench"),
                                               os.environ.get("PYTHONPATH", "")]))
        env.pop("REDIS_URL", None)
        if not env.get("DATABASE_URL"):
            env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'bench.sqlite3'}"
            env["SMARTUNION_VAR_DIR"] = str(tmp_path / "var")
        subprocess.run([sys.executable, __file__, "--child", *sys.argv[1:]], env=env, check=True, cwd=ROOT)


# The child: runs inside that environment ------------------------------------------------------------------------------

def seed_articles(count: int, rng: random.Random) -> None:
    import datetime as dt
    import uuid

    from django.db import connection, transaction
    from django.utils import timezone

    from smartunion.editorial.models import Article, Channel, Publication
    from smartunion.editorial.services.publishing import portal_channel
    from smartunion.orgs.models import Organisation

    K = Organisation.Kind
    Publication.objects.filter(article__source_url__startswith=MARK).delete()
    Article.objects.filter(source_url__startswith=MARK).delete()
    desks = {kind: list(Organisation.objects.filter(kind=kind, status=Organisation.Status.ACTIVE))
             for kind in (K.PROVINCE, K.CITY, K.COUNTY)}
    recording = {}
    for org in (o for orgs in desks.values() for o in orgs):
        recording[org.pk] = Channel.objects.get_or_create(
            org=org, kind=Channel.Kind.RECORDING, name="基准测试演示号", defaults={"org_path": org.path})[0]
    portals = {org.pk: portal_channel(org) for orgs in desks.values() for org in orgs}
    now = timezone.now()
    rows = []
    for i in range(count + count // 10):
        kind = rng.choices((K.PROVINCE, K.CITY, K.COUNTY), weights=(1, 4, 5))[0]
        org = rng.choice(desks[kind])
        paragraphs = [" ".join(rng.sample(SENTENCES, 3)) for _ in range(rng.randint(3, 8))]
        published = i < count
        at = now - dt.timedelta(seconds=rng.randrange(365 * 24 * 3600))
        rows.append(Article(
            org=org, org_path=org.path, title=rng.choice(TITLES).format(org=org.name)[:100],
            summary=paragraphs[0][:60], body="".join(f"<p>{p}</p>" for p in paragraphs),
            body_text="\n".join(paragraphs), author=rng.choice(("", "通讯员 王磊", "记者 李娜")),
            tags=rng.sample(["职工", "送温暖", "技能", "维权", "入会", "劳模"], 2), source_url=f"{MARK}{i}",
            status=Article.Status.PUBLISHED if published else rng.choice(
                (Article.Status.DRAFT, Article.Status.FIRST_REVIEW, Article.Status.SIGN_OFF)),
            published_at=at if published else None, read_count=rng.randrange(2000) if published else 0))
    with transaction.atomic():
        made = Article.objects.bulk_create(rows, batch_size=1000)
        if made and made[0].pk is None:  # a backend without RETURNING: read the ids back
            made = list(Article.objects.filter(source_url__startswith=MARK).order_by("id"))
        publications = []
        for article in made:
            if article.status != Article.Status.PUBLISHED:
                continue
            channel = portals[article.org_id] if rng.random() < 0.9 else recording[article.org_id]
            publications.append(Publication(
                article=article, channel=channel, org_path=article.org_path, status=Publication.Status.SENT,
                idempotency_key=uuid.uuid4().hex, attempts=1, sent_at=article.published_at,
                external_id=str(article.pk)))
        Publication.objects.bulk_create(publications, batch_size=2000)
    # Planner statistics of the bulk-written tables, as autovacuum (PostgreSQL) or an operator's ANALYZE (SQLite)
    # would leave them: without them PostgreSQL guesses 122 portal articles instead of 9,000.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE editorial_article, editorial_publication, editorial_channel")
        else:
            cursor.execute("ANALYZE")


def jinan_worker_cookie() -> tuple[str, str]:
    """A session cookie of a worker whose union is in 济南's subtree (the 济南 subsite), and the subsite's name."""
    from django.conf import settings
    from django.test import Client

    from smartunion.accounts.models import User
    from smartunion.portal.subsite import current_subsite

    worker = User.objects.get(phone_index=User._meta.get_field("phone_index").compute("13900000001"))
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(worker, backend="smartunion.accounts.backends.UsernameOrPhoneBackend")
    request = client.get("/news/").wsgi_request
    subsite = current_subsite(request)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}", subsite.name


def in_process(targets: dict[str, tuple[str, str]], repeat: int = 15) -> None:
    """Queries and the median time of each page through the test client (no HTTP, one process)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    for label, (target, cookie) in targets.items():
        client = Client(HTTP_HOST="127.0.0.1")
        if cookie != "-":
            name, value = cookie.split("=", 1)
            client.cookies[name] = value
        client.get(target)  # warm-up
        with CaptureQueriesContext(connection) as queries:
            status = client.get(target).status_code
        # Read now: the next request empties the connection's query log.
        captured = [(float(q["time"]) * 1000, q["sql"]) for q in queries.captured_queries]
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(target)
            times.append((time.perf_counter() - started) * 1000)
        slowest = max(captured, default=(0.0, ""))
        print(f"  {label:<44} {status}  {len(captured):>2} queries   {statistics.median(times):6.1f} ms "
              f"(median, in-process)   slowest query {slowest[0]:.1f} ms: {slowest[1][:70]}", flush=True)


def child(args) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartunion.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Sum

    from smartunion.demo.seeding import seed_province
    from smartunion.editorial import reads
    from smartunion.editorial.models import Article
    from smartunion.editorial.queries import portal_news
    from smartunion.orgs.models import Organisation

    rng = random.Random(2026)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    if not Organisation.objects.filter(kind=Organisation.Kind.PROVINCE).exists():
        seed_province(members=args.members, orgs=args.orgs, progress=lambda message: None)
    seed_articles(args.articles, rng)
    jinan = Organisation.objects.get(kind=Organisation.Kind.CITY, region_id="370100")
    on_portal = list(portal_news().values_list("id", flat=True))
    print(f"{connection.vendor}: {Organisation.objects.count():,} orgs, {Article.objects.count():,} articles, "
          f"{len(on_portal):,} on the portal ({portal_news(jinan.path).count():,} in {jinan.name}'s subtree); "
          f"ready in {time.perf_counter() - started:.0f} s", flush=True)
    cookie, subsite = jinan_worker_cookie()
    # 2,000 articles read, a few of them far more often (a Zipf-like spread of the requests over them).
    read_ids = rng.sample(on_portal, min(2000, len(on_portal)))
    picks = rng.choices(read_ids, weights=[1 / (rank + 1) for rank in range(len(read_ids))], k=20_000)
    detail_lines = [f"/news/{pk}/\t-" for pk in picks]
    one_id = on_portal[0]
    targets = {
        "select": ("one-SELECT endpoint (GET /bench/one-select)", ["/bench/one-select\t-"]),
        "list": ("news list, first page (anonymous: province)", ["/news/\t-"]),
        "city": (f"news list, first page ({subsite} worker)", [f"/news/\t{cookie}"]),
        "deep": ("news list, page 40 (anonymous)", ["/news/?page=40\t-"]),
        "article": ("article page (2,000 articles, reads counted)", detail_lines),
        "feed": (f"Atom feed of {jinan.name}", [f"/feeds/orgs/{jinan.pk}.atom\t-"]),
    }
    targets = {key: targets[key] for key in ["select", *[k for k in args.pages.split(",") if k != "select"]]}
    in_process({label: tuple(lines[0].split("\t")) for key, (label, lines) in targets.items() if key != "select"})
    reads.flush()
    before = Article.objects.aggregate(n=Sum("read_count"))["n"]
    connection.close()

    env = dict(os.environ, BENCH_ARTICLE_ID=str(one_id), BENCH_HOLD_READS="1" if args.hold_reads else "")
    print(f"  gunicorn {args.workers} sync workers, wrk {args.threads} threads x {args.connections} connections, "
          f"{args.seconds} s each; load average before: {os.getloadavg()[0]:.1f}", flush=True)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "bench_news_wsgi", "-b", f"127.0.0.1:{PORT}", "-w", str(args.workers),
         "-k", "sync", "--log-level", "warning"], env=env, cwd=ROOT)
    results = {}
    try:
        wait_for(f"http://127.0.0.1:{PORT}/bench/one-select")
        reference = None
        for key, (label, lines) in targets.items():
            settle()
            results[key] = drive(lines, seconds=args.seconds, connections=args.connections, threads=args.threads)
            show(label, results[key], reference)
            reference = reference or results[key]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    if "article" not in results:
        return
    served = results["article"]["statuses"].get(200, 0)
    counted = Article.objects.aggregate(n=Sum("read_count"))["n"] - before
    # wrk stops counting at the end of its run while a few requests are still in the server: up to one per
    # connection may be counted without an answer wrk saw.
    lost = "" if 0 <= counted - served <= args.connections else "  !!! reads lost or counted twice"
    print(f"  article pages answered 200 {served:,}; reads written to the articles {counted:,}{lost}; "
          f"load average after: {os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()
