import pyotp
import pytest

from smartunion.accounts.models import User


@pytest.mark.django_db
def test_cadre_enrols_in_totp_from_the_console(personas, console):
    client = console(personas.city_cadre)
    page = client.get("/console/security/totp/")
    assert page.status_code == 200 and "开始绑定" in page.content.decode()
    begun = client.post("/console/security/totp/", {"action": "begin"})
    body = begun.content.decode()
    user = User.objects.get(pk=personas.city_cadre.pk)
    assert "<svg" in body and user.totp_pending in body and user.totp_enabled is False
    wrong = client.post("/console/security/totp/", {"action": "confirm", "code": "000000"}, follow=True)
    assert "动态口令错误，请重试" in wrong.content.decode()
    code = pyotp.TOTP(user.totp_pending).now()
    done = client.post("/console/security/totp/", {"action": "confirm", "code": code}, follow=True)
    assert "动态口令已启用，下次登录时需要输入" in done.content.decode()
    assert User.objects.get(pk=user.pk).totp_enabled is True
