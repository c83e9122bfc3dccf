"""The console's finding aids in a real browser: 查找人员 by ID number, the org tree's drill-down, the region cascader.

The tree test saves console-tree.png (desktop size) in $SMARTUNION_SCREENSHOTS (see conftest.py)."""

from __future__ import annotations

from django.urls import reverse
from playwright.sync_api import expect
from tests.browser.conftest import SHOTS, log_in
from tests.conftest import make_user

SCREENSHOT = SHOTS / "console-tree.png"




def test_person_search_by_id_number_finds_the_masked_member(transactional_db, django_db_serialized_rollback, tree,
                                                           personas, live_server, page):
    search = reverse("console:people_search")
    log_in(page, live_server, personas.city_cadre.username, search)
    # Lower-case letters and spaces as people type them; the number itself is 370102199003071238.
    page.locator("#id_q").fill("370102 19900307 1238")
    page.get_by_role("button", name="查找").click()
    page.wait_for_load_state("domcontentloaded")
    expect(page.locator("#people-summary")).to_contain_text("按身份证号码查找“3701**********1238”：共 1 人")
    cells = page.locator("#people-results tbody tr").first.locator("td")
    assert [t.strip() for t in cells.all_inner_texts()] == [
        "张*", "3701**********1238", "139****0001", "男性", "370102000000001", "甲公司工会委员会", "2020-05-01",
        "职工信息 会籍"]
    assert "370102199003071238" not in page.content()
    expect(page).to_have_url(live_server.url + search)  # sent by POST: the number is in no URL
    page.locator("#people-results").get_by_role("link", name="会籍").click()
    expect(page.locator("body")).to_contain_text("370102000000001")


def test_tree_drill_down_from_the_province_to_a_county(transactional_db, django_db_serialized_rollback, tree,
                                                       personas, live_server, page):
    operator = make_user("operator", is_superuser=True)
    org_list = reverse("console:orgs_organisation_changelist")
    log_in(page, live_server, operator.username, org_list)
    panel = page.locator("#org-tree")
    expect(panel.locator("li.is-selected > .su-tree-row .su-tree-label")).to_have_text("中华全国总工会")
    province = panel.locator(f"li[data-id='{tree.province.pk}']")
    expect(province).to_have_attribute("aria-expanded", "false")
    province.locator(":scope > .su-tree-row .su-tree-toggle").click()
    expect(province).to_have_attribute("aria-expanded", "true")
    jinan = province.locator(f"li[data-id='{tree.jinan.pk}']")
    expect(jinan.locator(":scope > .su-tree-row .su-tree-label")).to_have_text("济南市总工会")
    expect(province.locator(f"li[data-id='{tree.qingdao.pk}'] > .su-tree-row .su-tree-count")).to_have_text("0")
    jinan.locator(":scope > .su-tree-row .su-tree-toggle").click()
    lixia = jinan.locator(f"li[data-id='{tree.lixia.pk}']")
    expect(lixia.locator(":scope > .su-tree-row .su-tree-label")).to_have_text("历下区总工会")
    expect(lixia.locator(":scope > .su-tree-row .su-tree-count")).to_have_text("1")

    # Choosing a node lists its children, with the breadcrumb above and the tree opened down to it.
    lixia.locator(":scope > .su-tree-row .su-tree-label").click()
    page.wait_for_load_state("domcontentloaded")
    expect(page.locator("#org-breadcrumb")).to_have_text(
        "全部 › 中华全国总工会 › 山东省总工会 › 济南市总工会 › 历下区总工会 的下级组织", use_inner_text=True)
    expect(page.locator("#org-tree")).to_have_attribute("data-ready", "1")
    selected = page.locator("#org-tree li.is-selected")
    expect(selected.locator(":scope > .su-tree-row .su-tree-label")).to_have_text("历下区总工会")
    expect(selected).to_have_attribute("aria-expanded", "true")
    names = [n.strip() for n in page.locator("#result_list tbody tr th a").all_inner_texts()]
    assert names == ["历下区解放路街道工会"]
    # 下级 only where there are children: the township has its grassroots union.
    expect(page.locator("#result_list tbody tr").first).to_contain_text("下级")

    page.locator("#org-breadcrumb").get_by_role("link", name="济南市总工会").click()
    page.wait_for_load_state("domcontentloaded")
    expect(page.locator("#org-tree li.is-selected > .su-tree-row .su-tree-label")).to_have_text("济南市总工会")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOT)


def test_a_city_cadre_tree_stays_in_the_city(transactional_db, django_db_serialized_rollback, tree, personas,
                                            live_server, page):
    org_list = reverse("console:orgs_organisation_changelist")
    log_in(page, live_server, personas.city_cadre.username, org_list)
    panel = page.locator("#org-tree")
    expect(panel.locator("li.is-selected > .su-tree-row .su-tree-label")).to_have_text("济南市总工会")
    lixia = panel.locator(f"li[data-id='{tree.lixia.pk}']")
    lixia.locator(":scope > .su-tree-row .su-tree-toggle").click()
    expect(lixia.locator(f"li[data-id='{tree.lixia_town.pk}'] > .su-tree-row .su-tree-label")).to_have_text(
        "历下区解放路街道工会")
    assert "青岛" not in page.content() and "山东省总工会" not in page.content()
    status = page.evaluate("(url) => fetch(url).then(r => r.status)",
                           reverse("console:orgs_organisation_tree", args=[tree.qingdao.pk]))
    assert status == 404


def test_the_region_filter_cascader_picks_a_county(transactional_db, django_db_serialized_rollback, tree, personas,
                                                   live_server, page):
    org_list = reverse("console:orgs_organisation_changelist")
    log_in(page, live_server, personas.province_admin.username, org_list)
    page.locator("#changelist a", has_text="筛选").first.click()
    box = page.locator("#changelist-filter .su-cascader")
    expect(box).to_have_attribute("data-ready", "1")
    expect(box.locator("input[name='region_code']")).to_have_attribute("type", "hidden")
    box.locator("select").nth(0).select_option(label="山东省")
    box.locator("select").nth(1).select_option(label="青岛市")
    box.locator("select").nth(2).select_option(label="市南区")
    expect(box.locator("input[name='region_code']")).to_have_value("370202")
    page.locator("#changelist-filter").get_by_role("button").filter(has_text="筛选").last.click()
    page.wait_for_load_state("domcontentloaded")
    assert "region_code=370202" in page.url
    names = [n.strip() for n in page.locator("#result_list tbody tr th a").all_inner_texts()]
    assert names == ["市南区总工会", "市南区八大湖街道工会", "丙公司工会委员会"]


def test_the_employer_form_cascader_shows_the_stored_region_and_picks_a_township(
        transactional_db, django_db_serialized_rollback, tree, personas, live_server, page):
    from smartunion.orgs.models import Region

    Region.objects.create(code="370102001", name="解放路街道", level="township", parent_id="370102")
    employer = tree.employer_without_union
    url = reverse("console:orgs_employer_change", args=[employer.pk])
    log_in(page, live_server, personas.city_cadre.username, url)
    box = page.locator(".field-region .su-cascader")
    expect(box).to_have_attribute("data-ready", "1")
    selects = box.locator("select")
    expect(selects).to_have_count(4)  # the stored county, and its townships offered below it
    assert [selects.nth(i).evaluate("s => s.options[s.selectedIndex].text") for i in range(4)] == [
        "山东省", "济南市", "历下区", "请选择乡镇（街道）"]
    selects.nth(3).select_option(label="解放路街道")
    expect(box.locator("input[name='region']")).to_have_value("370102001")
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_load_state("domcontentloaded")
    employer.refresh_from_db()
    assert employer.region_id == "370102001"
