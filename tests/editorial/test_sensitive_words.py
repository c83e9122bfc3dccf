"""The sensitive-word check: normalisation, positions and categories of hits, allowed contexts, the word list's
upkeep (rights, duplicates, import report) and the cached matcher following changes."""

import pytest

from smartunion.core.actors import SYSTEM
from smartunion.core.audit import AuditEvent
from smartunion.core.errors import Conflict, Forbidden, Invalid
from smartunion.editorial import sensitive
from smartunion.editorial.models import SensitiveWord
from smartunion.editorial.services.words import (
    add_word,
    allow_context,
    import_words,
    remove_context,
    update_word,
)

BLOCK, WARN = SensitiveWord.Level.BLOCK, SensitiveWord.Level.WARN


@pytest.fixture
def words(db):
    sensitive.word_list_changed()
    return {
        "gamble": add_word(by=SYSTEM, word="网络赌博", category="illegal", level=BLOCK),
        "dang": add_word(by=SYSTEM, word="反动", category="political", level=BLOCK),
        "migrant": add_word(by=SYSTEM, word="农民工", category="wording", level=WARN, suggestion="进城务工人员"),
        "latin": add_word(by=SYSTEM, word="VPN翻墙", category="illegal", level=WARN),
    }


def spans(hits):
    return [(h.word, h.start, h.end, h.text, h.level) for h in hits]


@pytest.mark.parametrize(("text", "expected"), [
    ("法 轮-功", "法轮功"),
    ("法.轮.功", "法轮功"),
    ("法\u200b轮\u00ad功", "法轮功"),
    ("ＡＢＣ１２３", "abc123"),
    ("網絡賭博", "网络赌博"),
    ("法\u0336轮功", "法轮功"),
    ("农*民*工😀！", "农民工"),
    ("第 1 条", "第1条"),
])
def test_normalize_folds_width_case_traditional_characters_and_drops_what_is_inserted(text, expected):
    assert sensitive.normalize(text) == expected


def test_hits_carry_positions_in_the_original_text_category_and_level(words):
    text = "招聘启事：本公司严禁 網絡·賭 博，禁止称呼农民工。"
    hits = sensitive.check(text)
    assert spans(hits) == [("网络赌博", 11, 17, "網絡·賭 博", BLOCK), ("农民工", 22, 25, "农民工", WARN)]
    assert hits[0].category_label == "违法违规"
    assert hits[1].suggestion == "进城务工人员"
    assert hits[0].context == "聘启事：本公司严禁 網絡·賭 博，禁止称呼农民工。"  # ten characters each side
    assert sensitive.describe(hits[0]) == "第12字“網絡·賭 博”（违法违规，禁用）"
    assert sensitive.describe(hits[1]) == "第23字“农民工”（不规范表述，提示，建议改为“进城务工人员”）"
    assert [h.word for h in sensitive.blocking(hits)] == ["网络赌博"]


def test_letters_match_whatever_their_width_and_case(words):
    assert spans(sensitive.check("教你用ｖｐｎ 翻墙")) == [("VPN翻墙", 3, 9, "ｖｐｎ 翻墙", WARN)]


def test_a_text_without_words_has_no_hits_and_an_empty_list_matches_nothing(words):
    assert sensitive.check("职工之家开展送温暖活动") == []
    assert sensitive.check("") == []
    SensitiveWord.objects.update(active=False)
    sensitive.word_list_changed()
    assert sensitive.check("网络赌博") == []


def test_an_allowed_context_silences_the_word_there_only(words):
    allowed = allow_context(words["dang"], by=SYSTEM, context="反动派")
    text = "打倒反动派的历史；反动言论"
    assert spans(sensitive.check(text)) == [("反动", 9, 11, "反动", BLOCK)]
    # The context is matched in normalised form too.
    assert spans(sensitive.check("反 动 派")) == []
    remove_context(allowed, by=SYSTEM)
    assert [h.start for h in sensitive.check(text)] == [2, 9]
    events = list(AuditEvent.objects.filter(action__startswith="editorial.allowed_context").order_by("id")
                  .values_list("action", "data"))
    assert events == [("editorial.allowed_context.create", {"word": "反动", "context": "反动派"}),
                      ("editorial.allowed_context.delete", {"word": "反动", "context": "反动派"})]


def test_a_context_must_contain_the_word(words):
    with pytest.raises(Invalid) as refused:
        allow_context(words["dang"], by=SYSTEM, context="反对")
    assert refused.value.fields == {"context": "上下文应包含“反动”并比它更长，例如“反动”所在的短语"}


def test_a_change_reaches_the_cached_matcher(words):
    assert sensitive.check("农民工") != []
    update_word(words["migrant"], by=SYSTEM, active=False)
    assert sensitive.check("农民工") == []
    add_word(by=SYSTEM, word="刷单", category="illegal", level=BLOCK)
    assert [h.word for h in sensitive.check("兼职刷单")] == ["刷单"]


def test_a_word_that_normalises_to_one_already_listed_is_refused(words):
    with pytest.raises(Conflict) as refused:
        add_word(by=SYSTEM, word="網絡 賭博", category="illegal", level=BLOCK)
    assert (refused.value.code, refused.value.message) == ("duplicate_word", "词库中已有“网络赌博”（规范化后相同）")
    with pytest.raises(Invalid) as refused:
        add_word(by=SYSTEM, word="！？ ", category="坏类别", level="很严重")
    assert refused.value.fields == {
        "word": "敏感词不能只由空格、标点或符号组成",
        "category": "请选择类别：政治有害、色情低俗、暴恐、违法违规、辱骂、广告营销、不规范表述、其他",
        "level": "级别应为“禁用”或“提示”"}


def test_only_the_deployment_managers_keep_the_list(personas):
    with pytest.raises(Forbidden):
        add_word(by=personas.city_cadre, word="刷单", category="illegal")
    word = add_word(by=personas.province_admin, word="刷单", category="illegal")
    assert (word.created_by, word.level) == (personas.province_admin, WARN)


def test_import_reports_created_updated_unchanged_and_rejected_lines(words):
    report = import_words([
        ("刷单", "违法违规", "禁用"),
        ("农民工", "不规范表述", "提示", "进城务工人员"),  # unchanged
        ("反动", "political", "warn"),  # updated: block -> warn
        ("", None),  # blank line, skipped
        ("刷 单", "违法违规", "禁用"),  # the same word again in the file
        ("x" * 51, "其他"),
        ("套路贷",),  # defaults
    ], by=SYSTEM)
    assert (report.created, report.updated, report.unchanged) == (2, 1, 1)
    assert report.rejected == [(5, "“刷 单”在文件中重复"), (6, "请填写敏感词（最多 50 个字）")]
    assert dict(SensitiveWord.objects.values_list("word", "level")) == {
        "网络赌博": BLOCK, "反动": WARN, "农民工": WARN, "VPN翻墙": WARN, "刷单": BLOCK, "套路贷": WARN}
    assert [h.word for h in sensitive.check("警惕套路贷和刷单")] == ["套路贷", "刷单"]
    assert AuditEvent.objects.get(action="editorial.sensitive_word.import").data == {
        "created": 2, "updated": 1, "unchanged": 1, "rejected": 2}


def test_overlapping_words_are_all_reported(words):
    add_word(by=SYSTEM, word="赌博", category="illegal", level=WARN)
    assert spans(sensitive.check("网络赌博")) == [("网络赌博", 0, 4, "网络赌博", BLOCK),
                                               ("赌博", 2, 4, "赌博", WARN)]


def test_positions_count_characters_outside_the_basic_plane(words):
    text = "看😀网\U000e0041络😀赌😀博！"
    assert sensitive.normalize(text) == "看网络赌博"
    assert spans(sensitive.check(text)) == [("网络赌博", 2, 9, "网\U000e0041络😀赌😀博", BLOCK)]
