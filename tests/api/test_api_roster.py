"""/api/v1/roster-imports: upload with a dry run, follow it, confirm it, fetch the error list; scoped."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook
from tests.members.test_roster import (
    CONFLICT,
    ERRORS,
    make_people,
    table_sizes,
    upload,
    workbook_bytes,
)

from smartunion.members.models import Membership, Person, RosterImport

URL = "/api/v1/roster-imports"


@pytest.fixture(autouse=True)
def _sync_jobs(settings, tmp_path):
    settings.ROSTER_IMPORT_THREADS = False
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def people(tree, personas):
    return make_people(tree)


def post(client, union, file=None):
    return client.post(URL, {"union_id": union.pk, "file": file or upload()})


def summary(data):
    return {k: data[k] for k in ("status", "total", "processed", "percent", "to_create", "to_update", "unchanged",
                                 "rejected", "conflicts")}


def test_upload_runs_the_dry_run_and_answers_201_with_the_job(tree, personas, people, api):
    client = api(personas.grassroots_cadre)
    before = table_sizes()
    response = post(client, tree.grassroots)
    assert response.status_code == 201
    data = response.json()
    assert summary(data) == {"status": "validated", "total": 11, "processed": 11, "percent": 100, "to_create": 3,
                             "to_update": 1, "unchanged": 1, "rejected": 5, "conflicts": 1}
    assert [(e["row"], e["column"], e["message"], e["kind"]) for e in data["errors"]] == ERRORS
    assert (data["union_id"], data["file_name"], data["status_label"]) == (tree.grassroots.pk, "会员名册.xlsx",
                                                                           "已校验，待确认")
    assert table_sizes() == before
    again = client.get(f"{URL}/{data['id']}")
    assert again.status_code == 200
    assert summary(again.json()) == summary(data)


def test_commit_then_the_job_is_done(tree, personas, people, api):
    client = api(personas.grassroots_cadre)
    job_id = post(client, tree.grassroots).json()["id"]
    response = client.post(f"{URL}/{job_id}/commit")
    assert response.status_code == 202
    assert summary(response.json()) == {"status": "done", "total": 11, "processed": 11, "percent": 100,
                                        "to_create": 3, "to_update": 1, "unchanged": 1, "rejected": 5,
                                        "conflicts": 1}
    assert Membership.objects.filter(union=tree.grassroots, status="active").count() == 5
    assert Membership.objects.get(person=people["lina"], status="active").union == tree.qd_grassroots
    again = client.post(f"{URL}/{job_id}/commit")
    assert again.status_code == 409
    assert again.json()["code"] == "bad_state"


def test_re_import_is_all_unchanged_and_cannot_be_committed(tree, personas, people, api):
    client = api(personas.grassroots_cadre)
    client.post(f"{URL}/{post(client, tree.grassroots).json()['id']}/commit")
    sizes = table_sizes()
    data = post(client, tree.grassroots).json()
    assert (data["to_create"], data["to_update"], data["unchanged"]) == (0, 0, 5)
    response = client.post(f"{URL}/{data['id']}/commit")
    assert response.status_code == 409
    assert response.json()["message"] == "该导入任务当前不能确认导入：只有校验完成且有需要新增或更新的数据时才能确认"
    assert table_sizes() == sizes


def test_the_error_list_downloads_as_xlsx(tree, personas, people, api):
    client = api(personas.grassroots_cadre)
    job_id = post(client, tree.grassroots).json()["id"]
    response = client.get(f"{URL}/{job_id}/errors")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = [tuple(r) for r in load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True)]
    assert rows[0] == ("行号", "列", "原因", "类别")
    assert rows[1] == (6, "身份证号码", CONFLICT, "冲突")
    assert len(rows) == 1 + len(ERRORS)


def test_another_cadres_job_is_not_found(tree, personas, people, api):
    job_id = post(api(personas.grassroots_cadre), tree.grassroots).json()["id"]
    outsider = api(personas.other_city_cadre)
    for response in (outsider.get(f"{URL}/{job_id}"), outsider.post(f"{URL}/{job_id}/commit"),
                     outsider.get(f"{URL}/{job_id}/errors")):
        assert response.status_code == 404
        assert response.json() == {"code": "not_found", "message": "对象不存在", "fields": {}}
    assert RosterImport.objects.get(pk=job_id).status == "validated"
    # Above the union, the county cadre sees it.
    assert api(personas.county_cadre).get(f"{URL}/{job_id}").status_code == 200


def test_an_out_of_scope_union_is_refused(tree, personas, api):
    response = post(api(personas.city_cadre), tree.qd_grassroots)
    assert response.status_code == 404
    response = post(api(personas.worker), tree.grassroots)
    assert response.status_code == 404
    assert not RosterImport.objects.exists()


def test_a_reviewer_may_not_import(tree, personas, api):
    from tests.members.conftest import cadre

    reviewer = cadre("reviewer", tree.grassroots, role="reviewer")
    response = post(api(reviewer), tree.grassroots)
    assert response.status_code == 403
    assert response.json()["message"] == "您无权向该工会导入会员"


def test_bad_input_is_422(tree, personas, api):
    client = api(personas.county_cadre)
    response = post(client, tree.lixia)
    assert response.status_code == 422
    assert response.json()["fields"] == {"union": "会员只能导入到基层工会、联合基层工会、乡镇（街道）工会或分工会"}
    response = post(client, tree.grassroots, SimpleUploadedFile("名册.csv", b"a,b"))
    assert (response.status_code, response.json()["fields"]) == (
        422, {"file": "请上传 .xlsx 格式的 Excel 文件（可先下载导入模板）"})
    response = client.post(URL, {"union_id": tree.grassroots.pk})
    assert response.status_code == 422
    assert response.json()["fields"] == {"file": "此项为必填项"}


def test_a_file_without_the_required_columns_fails_the_job(tree, personas, api):
    content = workbook_bytes([["王芳"]], header=["姓名"])
    data = post(api(personas.grassroots_cadre), tree.grassroots, SimpleUploadedFile("x.xlsx", content)).json()
    assert (data["status"], data["message"]) == ("failed", "缺少必填列：身份证号码（请使用下载的导入模板）")
    assert Person.objects.count() == 1  # the worker


def test_anonymous_is_401(api):
    assert api().get(f"{URL}/1").status_code == 401


def test_the_job_list_is_scoped_newest_first_without_the_rows_in_error(tree, personas, people, api):
    first = post(api(personas.grassroots_cadre), tree.grassroots).json()
    second = post(api(personas.grassroots_cadre), tree.grassroots).json()

    body = api(personas.county_cadre).get(URL).json()

    assert (body["count"], body["count_capped"], body["page"], body["page_size"]) == (2, False, 1, 20)
    assert [job["id"] for job in body["items"]] == [second["id"], first["id"]]
    assert summary(body["items"][1]) == summary(first) and "errors" not in body["items"][1]
    assert api(personas.other_city_cadre).get(URL).json()["items"] == []
    assert api(personas.county_cadre).get(f"{URL}?page_size=101").json()["code"] == "bad_page"
