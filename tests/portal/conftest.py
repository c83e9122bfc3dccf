"""Portal fixtures: the province's and 济南's channels."""

import pytest

from smartunion.portal.models import Channel


@pytest.fixture
def channels(tree):
    province = Channel.objects.create(org=tree.province, name="齐鲁工会", banner_title="山东职工之家",
                                      banner_text="全省职工网上服务")
    jinan = Channel.objects.create(org=tree.jinan, name="泉城工会", banner_title="济南职工之家")
    return province, jinan
