"""敏感词库 in the console: who may open it, adding and changing words, allowed contexts (removal confirmed first),
importing a list from a text file and from Excel, and the check tool."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from smartunion.core.actors import SYSTEM
from smartunion.editorial import sensitive
from smartunion.editorial.models import AllowedContext, SensitiveWord
from smartunion.editorial.services.words import add_word

pytestmark = pytest.mark.django_db
LIST = "/console/editorial/sensitiveword/"


@pytest.fixture(autouse=True)
def _fresh_matcher():
    sensitive.word_list_changed()


def test_only_the_deployment_managers_open_the_list(personas, console):
    add_word(by=SYSTEM, word="网络赌博", category="illegal", level="block")
    assert console(personas.city_cadre).get(LIST).status_code == 403
    assert console(personas.city_cadre).get(LIST + "check/").status_code == 403
    response = console(personas.province_admin).get(LIST)
    assert response.status_code == 200
    assert "网络赌博" in response.content.decode()


def test_add_change_and_refusals_show_on_the_form(personas, console):
    client = console(personas.province_admin)
    response = client.post(LIST + "new/", {"word": "农民工", "category": "wording", "level": "warn",
                                           "suggestion": "进城务工人员", "note": ""})
    assert response.status_code == 302
    word = SensitiveWord.objects.get()
    assert (word.word, word.category, word.level, word.suggestion, word.created_by) == (
        "农民工", "wording", "warn", "进城务工人员", personas.province_admin)
    again = client.post(LIST + "new/", {"word": "農民 工", "category": "wording", "level": "warn"})
    assert again.status_code == 200
    assert "词库中已有该词" in again.content.decode()
    assert SensitiveWord.objects.count() == 1
    edit = client.post(f"{LIST}{word.pk}/edit/", {"save": "1", "word": "ignored", "category": "wording",
                                                   "level": "block", "suggestion": "进城务工人员", "note": "",
                                                   "active": ""})
    assert edit.status_code == 302
    word.refresh_from_db()
    assert (word.word, word.level, word.active) == ("农民工", "block", False)


def test_allowed_contexts_are_added_and_removed_after_confirmation(personas, console):
    word = add_word(by=SYSTEM, word="反动", category="political", level="block")
    client = console(personas.province_admin)
    response = client.post(f"{LIST}{word.pk}/edit/", {"add_context": "1", "context": "反动派"})
    assert response.status_code == 302
    allowed = AllowedContext.objects.get()
    assert allowed.context == "反动派"
    page = client.get(f"{LIST}{word.pk}/edit/").content.decode()
    assert "反动派" in page
    confirm = client.get(f"{LIST}{word.pk}/contexts/{allowed.pk}/remove/")
    assert "确定删除“反动”的允许上下文“反动派”吗" in confirm.content.decode()
    assert AllowedContext.objects.count() == 1
    client.post(f"{LIST}{word.pk}/contexts/{allowed.pk}/remove/")
    assert AllowedContext.objects.count() == 0
    refused = client.post(f"{LIST}{word.pk}/edit/", {"add_context": "1", "context": "反对"})
    assert "上下文应包含“反动”并比它更长" in refused.content.decode()


def test_import_from_a_text_file_and_from_excel(personas, console):
    client = console(personas.province_admin)
    text = "刷单\n套路贷\n\n刷 单\n".encode("gb18030")
    response = client.post(LIST + "import/", {"file": SimpleUploadedFile("words.txt", text), "category": "illegal",
                                              "level": "block"})
    page = response.content.decode()
    assert "新增 2 个，更新 0 个，未变 0 个，未导入 1 行" in page
    assert "“刷 单”在文件中重复" in page
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["敏感词", "类别", "级别", "建议改为"])
    sheet.append(["套路贷", "违法违规", "提示", ""])
    sheet.append(["农民工", "不规范表述", "提示", "进城务工人员"])
    sheet.append(["坏词", "没有这个类别", "禁用", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    response = client.post(LIST + "import/", {"file": SimpleUploadedFile("words.xlsx", buffer.getvalue()),
                                              "category": "other", "level": "warn"})
    page = response.content.decode()
    assert "新增 1 个，更新 1 个，未变 0 个，未导入 1 行" in page
    assert dict(SensitiveWord.objects.values_list("word", "level")) == {
        "刷单": "block", "套路贷": "warn", "农民工": "warn"}
    wrong = client.post(LIST + "import/", {"file": SimpleUploadedFile("words.csv", b"x"), "category": "other",
                                           "level": "warn"})
    assert "请上传 .xlsx 或 .txt 文件" in wrong.content.decode()


def test_the_check_tool_lists_every_hit_with_its_position(personas, console):
    add_word(by=SYSTEM, word="网络赌博", category="illegal", level="block")
    add_word(by=SYSTEM, word="农民工", category="wording", level="warn", suggestion="进城务工人员")
    response = console(personas.province_admin).post(LIST + "check/", {"text": "严禁網絡 賭博，不称农民工"})
    page = response.content.decode()
    assert "发现 2 处（其中禁用 1 处）" in page
    assert "第3字" in page and "網絡 賭博" in page and "第11字" in page and "建议改为“进城务工人员”" in page
    clean = console(personas.province_admin).post(LIST + "check/", {"text": "送温暖"})
    assert "未发现敏感词" in clean.content.decode()
