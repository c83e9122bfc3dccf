"""Matching the registry's companies (CompanyRecord) to the employer registry (orgs.Employer).

A run covers the records and employers of one org's subtree (their `area_path`), in three steps:

1. Decisions stand: a record a cadre linked (match_method "reviewed", from an accepted candidate) is left alone,
   and so is its employer; a rejected pair is never proposed or linked again.
2. Exact: a record whose credit code is an employer's credit code is linked to it ("credit_code"), in one UPDATE.
3. Probabilistic, for the rest: Splink 5 on its embedded DuckDB backend (the same model runs on Spark, see
   SPLINK_SETTINGS) scores pairs of a record and a not yet linked employer of the same county that share the first
   two or the last two characters of the normalised name (core.text.normalize_employer_name: width, brackets,
   place names and company forms folded away) or the folded address. Each record keeps its best pair, each
   employer its best record (greedy one-to-one by score). A pair scoring ≥ LINK_AT is linked ("probabilistic"),
   one between REVIEW_AT and LINK_AT becomes a pending MatchCandidate for a cadre (待确认匹配), below that the
   record stays unmatched.

The model is not trained per run: its m and u probabilities are fixed here, chosen on the synthetic registry with
known truth (tests/insight/test_insight_registries_matching.py, bench/insight_registries.py), so a run is
deterministic and a re-run of the same data proposes the same pairs.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
import unicodedata

from django.db import connection, transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from smartunion.core.actors import require_actor, user_or_none
from smartunion.core.audit import log_event
from smartunion.core.errors import Forbidden, StateError
from smartunion.insight import rules_registries as rules
from smartunion.insight.models import CompanyRecord, MatchCandidate, MatchRun
from smartunion.orgs.models import Employer, Organisation, subtree_q

logger = logging.getLogger(__name__)

M = CompanyRecord.MatchMethod
LINK_AT = 0.90  # ≥ this match probability: linked without review
REVIEW_AT = 0.20  # between this and LINK_AT: a pending candidate for review
WRITE_BATCH = 5000
# Every blocking rule holds the county equal, so no pair crosses counties: Splink scores whole counties at a time,
# about this many rows (records and employers) per chunk, which bounds the memory of a province-wide run.
SCORE_CHUNK_ROWS = 200_000


def _level(sql: str, m: float, u: float, label: str) -> dict:
    return {"sql_condition": sql, "label_for_charts": label, "m_probability": m, "u_probability": u}


def _null(column: str) -> dict:
    return {"sql_condition": f'"{column}_l" IS NULL OR "{column}_r" IS NULL', "label_for_charts": "缺失",
            "is_null_level": True}


# The Splink model (settings dictionary, link_only between the records and the employers). Blocking: the county and
# the name's first two characters (after place names and company forms are gone, the most selective part of a
# Chinese company name), or its last three (a typo early in the name; two would be the trade, 科技 or 商贸, far too
# common a block), or the folded address (a renamed company at the same place). m is the share of true
# pairs at a level, u the share of random pairs within a block at it; the prior is the chance that two records of
# a block (same county, shared name head/tail or address) are the same company.
SPLINK_SETTINGS = {
    "link_type": "link_only",
    "unique_id_column_name": "unique_id",
    "probability_two_random_records_match": 0.002,
    "blocking_rules_to_generate_predictions": [
        {"blocking_rule": "l.county_code = r.county_code AND l.name_head = r.name_head", "sql_dialect": "duckdb"},
        {"blocking_rule": "l.county_code = r.county_code AND l.name_tail = r.name_tail", "sql_dialect": "duckdb"},
        {"blocking_rule": "l.county_code = r.county_code AND l.address_key = r.address_key",
         "sql_dialect": "duckdb"},
    ],
    "comparisons": [
        {"output_column_name": "name", "comparison_description": "规范化名称", "comparison_levels": [
            _null("name"),
            _level('"name_l" = "name_r"', 0.70, 0.0002, "相同"),
            _level('levenshtein("name_l", "name_r") <= 1 AND length("name_l") >= 3 AND length("name_r") >= 3',
                   0.12, 0.002, "一字之差"),
            _level('jaro_winkler_similarity("name_l", "name_r") >= 0.85', 0.06, 0.005, "高度相似"),
            _level('jaccard("name_l", "name_r") >= 0.5', 0.06, 0.02, "用字相近"),
            _level("ELSE", 0.06, 0.9725, "不同"),
        ]},
        {"output_column_name": "region_code", "comparison_description": "区划", "comparison_levels": [
            _null("region_code"),
            _level('"region_code_l" = "region_code_r"', 0.80, 0.30, "相同"),
            _level("ELSE", 0.20, 0.70, "不同"),
        ]},
        {"output_column_name": "address_key", "comparison_description": "地址", "comparison_levels": [
            _null("address_key"),
            _level('"address_key_l" = "address_key_r"', 0.55, 0.002, "相同"),
            _level('jaro_winkler_similarity("address_key_l", "address_key_r") >= 0.88', 0.20, 0.02, "相近"),
            _level("ELSE", 0.25, 0.978, "不同"),
        ]},
    ],
    "retain_matching_columns": True,
    "retain_intermediate_calculation_columns": True,
}

_ADDRESS_DROP = re.compile(r"[\s\W_]+", re.UNICODE)


def address_key(address: str) -> str | None:
    """The folded address compared by the model: NFKC (full width → half width), no spaces or punctuation."""
    text = _ADDRESS_DROP.sub("", unicodedata.normalize("NFKC", address or "")).lower()
    return text or None


def _name_parts(name: str) -> tuple[str | None, str | None, str | None]:
    if not name:
        return None, None, None
    return name, name[:2], name[-3:]


# Running -------------------------------------------------------------------------------------------------------------


def start_run(*, org: Organisation, by, background: bool = True) -> MatchRun:
    """Start a matching run over the org's subtree (in the background; `background` False: here and now)."""
    require_actor(by)
    if not rules.can_import(by, org):
        raise Forbidden("只有省、市总工会的主席或管理员可以运行企业匹配")
    if MatchRun.objects.filter(org_path__startswith=org.path, status=MatchRun.Status.RUNNING,
                               started_at__gte=timezone.now() - dt.timedelta(hours=2)).exists():
        raise StateError("该范围内已有匹配正在运行，请稍后再试", code="bad_state")
    run = MatchRun.objects.create(org=org, created_by=user_or_none(by))
    log_event("insight.match_run.run", actor=by, target=run, org=org)
    if not background:
        return execute_run(run.pk)
    from smartunion.insight import tasks_registries as tasks

    tasks.schedule(tasks.registry_match, run.pk)
    run.refresh_from_db()
    return run


def execute_run(run_id: int) -> MatchRun:
    run = MatchRun.objects.select_related("org").get(pk=run_id)
    began = time.monotonic()
    try:
        figures = match(run.org.path)
    except Exception as exc:
        logger.exception("match run %s failed", run.pk)
        MatchRun.objects.filter(pk=run.pk).update(
            status=MatchRun.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:500], finished_at=timezone.now(),
            seconds=time.monotonic() - began)
        run.refresh_from_db()
        return run
    MatchRun.objects.filter(pk=run.pk).update(status=MatchRun.Status.DONE, finished_at=timezone.now(),
                                              seconds=time.monotonic() - began, **figures)
    run.refresh_from_db()
    return run


def match(path: str) -> dict:
    """Match the records of the subtree at `path` ("" for everything). Returns the run's figures."""
    records = CompanyRecord.objects.filter(subtree_q(path, "area_path")) if path else CompanyRecord.objects.all()
    employers = Employer.objects.filter(subtree_q(path, "area_path")) if path else Employer.objects.all()
    open_records = records.exclude(match_method=M.REVIEWED)
    with transaction.atomic():
        # Everything but the cadres' decisions is worked out again.
        open_records.exclude(match_method="").update(employer=None, match_method="", match_score=None)
        exact = open_records.filter(
            credit_code__isnull=False,
            credit_code__in=Employer.objects.filter(credit_code__isnull=False).values("credit_code"),
        ).update(employer_id=Subquery(Employer.objects.filter(credit_code=OuterRef("credit_code")).values("pk")[:1]),
                 match_method=M.CREDIT_CODE, match_score=1.0)
    taken = set(CompanyRecord.objects.filter(employer__isnull=False).values_list("employer_id", flat=True))
    left = list(open_records.filter(employer__isnull=True).values_list(
        "pk", "normalized_name", "county_code", "region_code", "address"))
    pool = [row for row in employers.values_list("pk", "normalized_name", "county_code", "region_id", "address")
            if row[0] not in taken]
    rejected = set(MatchCandidate.objects.filter(record__in=records, status=MatchCandidate.Status.REJECTED)
                   .values_list("record_id", "employer_id"))
    pairs = score_pairs(left, pool) if left and pool else []
    links, reviews = choose(pairs, rejected)
    with transaction.atomic():
        MatchCandidate.objects.filter(record__in=records, status=MatchCandidate.Status.PENDING).delete()
        _write_links(links)
        areas = dict(Employer.objects.filter(pk__in=[e for _, e, _, _ in reviews]).values_list("pk", "area_path"))
        MatchCandidate.objects.bulk_create(
            [MatchCandidate(record_id=r, employer_id=e, score=round(p, 4), features=f, area_path=areas.get(e, ""))
             for r, e, p, f in reviews], batch_size=WRITE_BATCH, ignore_conflicts=True)
    unmatched = records.filter(employer__isnull=True).count()
    return {"exact": exact, "probable": len(links), "to_review": len(reviews), "unmatched": unmatched}


def _write_links(links) -> None:
    """One UPDATE per link through executemany: bulk_update's CASE over thousands of ids costs quadratic time."""
    table = connection.ops.quote_name(CompanyRecord._meta.db_table)
    sql = f"UPDATE {table} SET employer_id = %s, match_method = %s, match_score = %s WHERE id = %s"  # noqa: S608  our table name, values as parameters
    with connection.cursor() as cursor:
        for start in range(0, len(links), WRITE_BATCH):
            cursor.executemany(sql, [(e, M.PROBABILISTIC, round(p, 4), r)
                                     for r, e, p, _ in links[start:start + WRITE_BATCH]])


def score_pairs(left: list[tuple], pool: list[tuple]) -> list[tuple[int, int, float, dict]]:
    """Splink on DuckDB: (record id, employer id, match probability, features) of every blocked pair that scores at
    least REVIEW_AT, scored a chunk of whole counties at a time (SCORE_CHUNK_ROWS); a row without a county blocks
    with nothing."""
    records_of: dict[str, list[tuple]] = {}
    employers_of: dict[str, list[tuple]] = {}
    for rows, into in ((left, records_of), (pool, employers_of)):
        for row in rows:
            if row[2]:
                into.setdefault(row[2], []).append(row)
    pairs: list[tuple[int, int, float, dict]] = []
    chunk_left: list[tuple] = []
    chunk_pool: list[tuple] = []
    for county in sorted(records_of.keys() & employers_of.keys()):
        chunk_left += records_of[county]
        chunk_pool += employers_of[county]
        if len(chunk_left) + len(chunk_pool) >= SCORE_CHUNK_ROWS:
            pairs += _score_chunk(chunk_left, chunk_pool)
            chunk_left, chunk_pool = [], []
    if chunk_left:
        pairs += _score_chunk(chunk_left, chunk_pool)
    return pairs


def _score_chunk(left: list[tuple], pool: list[tuple]) -> list[tuple[int, int, float, dict]]:
    import pyarrow as pa
    from splink import DuckDBAPI, Linker

    def table(rows, prefix):
        columns: dict[str, list] = {"unique_id": [], "name": [], "name_head": [], "name_tail": [], "county_code": [],
                   "region_code": [], "address_key": []}
        for pk, name, county, region, address in rows:
            name, head, tail = _name_parts(name)
            columns["unique_id"].append(f"{prefix}{pk}")
            columns["name"].append(name)
            columns["name_head"].append(head)
            columns["name_tail"].append(tail)
            columns["county_code"].append(county or None)
            columns["region_code"].append(region or None)
            columns["address_key"].append(address_key(address))
        return pa.table(columns)

    db_api = DuckDBAPI()
    records = db_api.register(table(left, "r"), dataset_display_name="records")
    employers = db_api.register(table(pool, "e"), dataset_display_name="employers")
    linker = Linker([records, employers], SPLINK_SETTINGS, log_level=logging.WARNING)
    scored = linker.inference.predict(threshold_match_probability=REVIEW_AT, warning_mode="never")
    result = scored.as_pyarrow_table().to_pylist()
    pairs = []
    for row in result:
        a, b = row["unique_id_l"], row["unique_id_r"]
        record, employer = (a, b) if a.startswith("r") else (b, a)
        side_r, side_e = ("l", "r") if a.startswith("r") else ("r", "l")
        features = {"name": [row[f"name_{side_r}"], row[f"name_{side_e}"]], "name_level": row.get("gamma_name"),
                    "region_level": row.get("gamma_region_code"), "address_level": row.get("gamma_address_key"),
                    "address": [row[f"address_key_{side_r}"], row[f"address_key_{side_e}"]]}
        pairs.append((int(record[1:]), int(employer[1:]), float(row["match_probability"]), features))
    return pairs


def choose(pairs, rejected: set[tuple[int, int]]):
    """Greedy one-to-one by score: (links ≥ LINK_AT, reviews between REVIEW_AT and LINK_AT)."""
    used_records: set[int] = set()
    used_employers: set[int] = set()
    links: list[tuple] = []
    reviews: list[tuple] = []
    for record, employer, p, features in sorted(pairs, key=lambda x: (-x[2], x[0], x[1])):
        if (record, employer) in rejected or record in used_records or employer in used_employers:
            continue
        used_records.add(record)
        used_employers.add(employer)
        (links if p >= LINK_AT else reviews).append((record, employer, p, features))
    return links, reviews


# Review ---------------------------------------------------------------------------------------------------------------


def accept(candidate: MatchCandidate, *, by) -> MatchCandidate:
    """The record is this employer: linked for good ("reviewed"); the record's other pending pairs go."""
    require_actor(by)
    if not rules.can_decide(by, candidate):
        raise Forbidden("您无权确认该匹配")
    with transaction.atomic():
        if not MatchCandidate.objects.filter(pk=candidate.pk, status=MatchCandidate.Status.PENDING).update(
                status=MatchCandidate.Status.ACCEPTED, decided_by=user_or_none(by), decided_at=timezone.now()):
            raise StateError("该匹配已处理", code="bad_state")
        # The employer can be one record's only: a record linked to it without review lets go.
        CompanyRecord.objects.filter(employer_id=candidate.employer_id).exclude(match_method=M.REVIEWED).exclude(
            pk=candidate.record_id).update(employer=None, match_method="", match_score=None)
        CompanyRecord.objects.filter(pk=candidate.record_id).update(
            employer_id=candidate.employer_id, match_method=M.REVIEWED, match_score=candidate.score)
        MatchCandidate.objects.filter(Q(record_id=candidate.record_id) | Q(employer_id=candidate.employer_id),
                                      status=MatchCandidate.Status.PENDING).delete()
        log_event("insight.match_candidate.accept", actor=by, target=candidate.record, org=_area_org(candidate),
                  data={"employer": candidate.employer.name, "score": candidate.score})
    candidate.refresh_from_db()
    return candidate


def reject(candidate: MatchCandidate, *, by) -> MatchCandidate:
    """Not the same company: the pair is remembered and never proposed again."""
    require_actor(by)
    if not rules.can_decide(by, candidate):
        raise Forbidden("您无权否决该匹配")
    if not MatchCandidate.objects.filter(pk=candidate.pk, status=MatchCandidate.Status.PENDING).update(
            status=MatchCandidate.Status.REJECTED, decided_by=user_or_none(by), decided_at=timezone.now()):
        raise StateError("该匹配已处理", code="bad_state")
    log_event("insight.match_candidate.reject", actor=by, target=candidate.record, org=_area_org(candidate),
              data={"employer": candidate.employer.name, "score": candidate.score})
    candidate.refresh_from_db()
    return candidate


def _area_org(candidate: MatchCandidate) -> Organisation | None:
    return Organisation.objects.filter(path=candidate.area_path).first() if candidate.area_path else None


def evaluate(truth: dict[int, int | None]) -> dict:
    """Precision and recall of the current links against `truth` (record id → the true employer id, None when the
    company is not in the employer registry). Pending candidates count as not linked."""
    linked = dict(CompanyRecord.objects.filter(pk__in=list(truth), employer__isnull=False)
                  .values_list("pk", "employer_id"))
    correct = sum(1 for r, e in linked.items() if truth.get(r) == e)
    true_pairs = sum(1 for e in truth.values() if e is not None)
    return {"links": len(linked), "correct": correct, "true_pairs": true_pairs,
            "precision": correct / len(linked) if linked else 1.0,
            "recall": correct / true_pairs if true_pairs else 1.0}
