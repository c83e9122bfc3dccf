"""Portal fixtures: the province's and 济南's subsites."""

import pytest

from smartunion.subsites.models import Subsite


@pytest.fixture
def subsites(tree):
    province = Subsite.objects.create(org=tree.province, name="齐鲁工会", banner_title="山东职工之家",
                                      banner_text="全省职工网上服务")
    jinan = Subsite.objects.create(org=tree.jinan, name="泉城工会", banner_title="济南职工之家")
    return province, jinan
