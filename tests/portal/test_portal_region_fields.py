"""The portal's region fields (issue 8): 我要入会's 工作地区 and 申请转会's 新单位所在地区 are the region cascader
(core.widgets.RegionCascaderWidget), which is one code input with a hint (the page without JavaScript) inside the box
region-cascader.js turns into province → city → county → township selects. The browser side is in
tests/browser/test_portal_phone.py."""

from __future__ import annotations

import pytest
from tests.conftest import console_client
from tests.members.conftest import join_values

from smartunion.core.widgets import HINT
from smartunion.members.models import JoinApplication, Membership, Transfer
from smartunion.orgs.models import Region

pytestmark = pytest.mark.django_db

BOX = ('<div class="su-cascader" data-children-url="/regions/children/" data-path-url="/regions/path/" '
       'data-deepest="township" data-root="" data-select-class="">')


@pytest.fixture
def town(tree):
    region = Region.objects.create(code="370102001", name="解放路街道", level=Region.Level.TOWNSHIP,
                                   parent_id="370102")
    tree.lixia_town.region = region
    tree.lixia_town.save(update_fields=["region"])
    return region


def join(client, **overrides):
    return client.post("/join/", {**join_values(1, phone="13900000009"), "source_token": "", **overrides})


def cascader(html: str, name: str, label_id: str) -> str:
    """The cascader box of field `name`, as the page draws it."""
    start = html.index(BOX)
    end = html.index("</div>\n</div>", start) + len("</div>\n</div>")
    box = html[start:end]
    assert f'name="{name}"' in box and f'id="{label_id}"' in box
    return box


def test_the_join_form_draws_the_work_region_as_the_cascader(tree, personas, town):
    html = console_client(personas.outsider).get("/join/").content.decode()
    box = cascader(html, "work_region", "id_work_region")
    assert ('<input type="text" name="work_region" inputmode="numeric" maxlength="12" autocomplete="off" '
            'placeholder="行政区划代码" required id="id_work_region">') in box
    assert f'<p class="su-cascader-hint" id="id_work_region_hint">{HINT}</p>' in box
    assert '<div class="su-cascader-selects" hidden></div>' in box
    assert '<select name="work_region"' not in html  # no native select of the province's regions any more
    assert '<script src="/static/core/region-cascader.js"></script>' in html
    assert '<link href="/static/core/region-cascader.css" media="all" rel="stylesheet">' in html
    assert "<script>" not in html and " style=" not in html  # nothing inline: the portal's CSP allows none


def test_a_typed_region_code_is_the_application_s_region(tree, personas, town):
    response = join(console_client(personas.outsider), work_region=" 370102001 ")
    assert (response.status_code, response["Location"]) == (302, "/me/membership/")
    application = JoinApplication.objects.get()
    assert (application.work_region_id, application.union_id) == ("370102001", tree.lixia_town.pk)


SHAPE = "请选择地区，或填写6位、9位或12位行政区划代码"
LEVEL = "工作地区应为县（区）或乡镇（街道）的行政区划代码"
REFUSED = ["提交的数据有误，请检查后重试"]  # members.services' Invalid, above the form


@pytest.mark.parametrize(("code", "error", "above"), [
    ("", "请选择工作地区", None),
    ("3701", SHAPE, None),
    ("37010200x", SHAPE, None),
    ("370100", LEVEL, REFUSED),  # a city: members.services refuses it
    ("370199", LEVEL, REFUSED),  # no such region
])
def test_a_region_that_is_no_county_or_township_is_refused_on_the_field(tree, personas, town, code, error, above):
    response = join(console_client(personas.outsider), work_region=code)
    assert response.status_code == 200
    expected = {"work_region": [error]} | ({"__all__": above} if above else {})
    assert response.context["form"].errors == expected
    html = response.content.decode()
    assert f'<p class="error">{error}</p>' in html
    if code.strip():
        assert f'value="{code}"' in cascader(html, "work_region", "id_work_region")  # kept for the cascader
    assert JoinApplication.objects.count() == 0


def test_the_transfer_form_draws_the_new_region_as_the_cascader_and_takes_its_code(tree, personas):
    client = console_client(personas.worker)
    html = client.get("/me/transfer/").content.decode()
    cascader(html, "work_region", "id_work_region")
    assert '<select name="work_region"' not in html
    assert '<script src="/static/core/region-cascader.js"></script>' in html

    refused = client.post("/me/transfer/", {"employer_name": "青岛丙物流有限公司", "work_region": "",
                                            "employer_credit_code": ""})
    assert refused.context["form"].errors == {"work_region": ["请选择新单位所在地区"]}
    response = client.post("/me/transfer/", {"employer_name": "青岛丙物流有限公司", "work_region": "370202",
                                             "employer_credit_code": ""})
    assert (response.status_code, response["Location"]) == (302, "/me/membership/")
    transfer = Transfer.objects.get()
    assert transfer.membership == Membership.objects.get(person=personas.worker.person, status="active")
    assert transfer.to_union_id == tree.qd_grassroots.pk  # the employer's own union (青岛丙物流有限公司)
