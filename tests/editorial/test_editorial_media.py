"""Images of new-media articles: the sanitiser keeps only this site's uploads, the cover through the services (set,
replace, keep, remove, checked, stale revisions still refused), body images uploaded from the editor to the console's
JSON endpoint (desk users only, checked), and the cover on the console's article form."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image
from tests.conftest import make_user

from smartunion.core.actors import SYSTEM
from smartunion.core.audit import AuditEvent
from smartunion.core.errors import Conflict, Invalid
from smartunion.editorial import html, sensitive
from smartunion.editorial.models import Article
from smartunion.editorial.services.articles import create_article, save_article, store_body_image
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Position

pytestmark = pytest.mark.django_db
R = Position.Role
BASE = "/console/editorial/article/"
UPLOAD = BASE + "images/"
MEDIA_IMAGE = "/media/editorial/images/2026/11/0123456789abcdef0123456789abcdef.png"


def image(fmt="PNG", name="photo.png", color=(200, 20, 30)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 18), color).save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


@pytest.fixture
def editor(tree):
    sensitive.word_list_changed()
    user = make_user("editor")
    org_services.position_grant(user=user, org=tree.jinan, role=R.EDITOR, by=SYSTEM)
    return user


# The sanitiser ------------------------------------------------------------------------------------------------------


def test_an_uploaded_image_is_kept_and_every_other_source_dropped():
    body = (f'<p>正文</p><img src="{MEDIA_IMAGE}" alt="合影" width="32" height="18" onerror="x()">'
            '<img src="http://elsewhere.example/a.png"><img src="//elsewhere.example/a.png">'
            '<img src="data:image/png;base64,iVBORw0KGgo="><img src="javascript:alert(1)">'
            '<img src="/media/../console/x.png"><img src="/static/portal/logo.png"><img alt="无地址">')
    assert html.clean(body) == f'<p>正文</p><img src="{MEDIA_IMAGE}" alt="合影" width="32" height="18">'


def test_an_attribute_value_cannot_smuggle_markup_out_when_its_image_goes():
    body = '<img alt="a&gt;&lt;script&gt;alert(1)&lt;/script&gt;" src="http://x.example/a.png"><p>后文</p>'
    assert html.clean(body) == "<p>后文</p>"
    raw = '<img alt="a><script>alert(1)</script>" src="http://x.example/a.png"><p>后文</p>'
    assert html.clean(raw) == "<p>后文</p>"


def test_the_editors_figure_is_kept_with_its_caption_and_checked_description():
    attachment = json.dumps({"contentType": "image/png", "filename": "合影.png", "filesize": 1234, "width": 32,
                             "height": 18, "url": MEDIA_IMAGE, "href": MEDIA_IMAGE, "onload": "x()"})
    body = (f'<figure data-trix-attachment="{attachment.replace(chr(34), "&quot;")}" data-trix-content-type="image/png"'
            ' data-trix-attributes="{&quot;caption&quot;:&quot;全体合影&quot;,&quot;presentation&quot;:&quot;gallery'
            '&quot;,&quot;style&quot;:&quot;x&quot;}" class="attachment attachment--preview attachment--png evil"'
            f' style="color:red"><a href="{MEDIA_IMAGE}"><img src="{MEDIA_IMAGE}" width="32" height="18">'
            '<figcaption class="attachment__caption attachment__caption--edited">全体合影</figcaption></a></figure>')
    kept = ('{&quot;contentType&quot;:&quot;image/png&quot;,&quot;filename&quot;:&quot;合影.png&quot;,'
            '&quot;filesize&quot;:1234,&quot;width&quot;:32,&quot;height&quot;:18,&quot;url&quot;:&quot;'
            f'{MEDIA_IMAGE}&quot;,&quot;href&quot;:&quot;{MEDIA_IMAGE}&quot;}}')
    assert html.clean(body) == (
        f'<figure data-trix-attachment="{kept}" data-trix-content-type="image/png" data-trix-attributes="'
        '{&quot;caption&quot;:&quot;全体合影&quot;,&quot;presentation&quot;:&quot;gallery&quot;}" '
        'class="attachment attachment--preview attachment--png">'
        f'<a href="{MEDIA_IMAGE}" rel="noopener noreferrer"><img src="{MEDIA_IMAGE}" width="32" height="18">'
        '<figcaption class="attachment__caption">全体合影</figcaption></a></figure>')
    assert html.text_of(html.clean(body)) == "全体合影"


def test_a_figure_of_an_image_from_elsewhere_goes_entirely():
    body = ('<p>前文</p><figure data-trix-attachment="{&quot;contentType&quot;:&quot;image/png&quot;,&quot;url&quot;:'
            '&quot;https://elsewhere.example/a.png&quot;}" data-trix-content-type="image/png" class="attachment">'
            '<a href="https://elsewhere.example/a.png"><img src="https://elsewhere.example/a.png"></a></figure>'
            f'<figure data-trix-attachment="{{&quot;contentType&quot;:&quot;text/html&quot;,&quot;url&quot;:'
            f'&quot;{MEDIA_IMAGE}&quot;}}"><img src="{MEDIA_IMAGE}"></figure>')
    assert html.clean(body) == f'<p>前文</p><figure><img src="{MEDIA_IMAGE}"></figure>'


def test_images_follow_the_deployments_media_url(settings):
    settings.MEDIA_URL = "https://files.example.cn/union/"
    assert html.clean('<img src="https://files.example.cn/union/editorial/images/a.png"><img src="/media/a.png">') \
        == '<img src="https://files.example.cn/union/editorial/images/a.png">'


# The cover through the services -------------------------------------------------------------------------------------


def test_the_cover_is_set_replaced_kept_and_removed_each_a_new_revision(tree, editor):
    saved = create_article(by=editor, org=tree.jinan, title="职工运动会", body="<p>正文</p>", cover=image())
    article = saved.article
    first = article.cover.name
    assert re.fullmatch(r"editorial/covers/\d{4}/\d{2}/[0-9a-f]{32}\.png", first)
    assert default_storage.exists(first) and article.revision == 1
    same = save_article(article, by=editor, base_revision=1, title="职工运动会", body="<p>正文</p>").article
    assert (same.revision, same.cover.name) == (1, first)  # nothing changed: no revision
    replaced = save_article(article, by=editor, base_revision=1, title="职工运动会", body="<p>正文</p>",
                            cover=image("JPEG", "new.jpg")).article
    assert replaced.revision == 2 and replaced.cover.name.endswith(".jpg") and replaced.cover.name != first
    assert default_storage.exists(first)  # a pool's copy may still show it
    removed = save_article(article, by=editor, base_revision=2, title="职工运动会", body="<p>正文</p>", cover=None)
    assert (removed.article.revision, removed.article.cover.name) == (3, "")
    assert Article.objects.get().cover.name == ""
    event = AuditEvent.objects.filter(action="editorial.article.save").order_by("-id").first()
    assert event.data["changed"] == ["cover"]


def test_a_cover_that_is_not_an_image_refuses_the_save_and_changes_nothing(tree, editor):
    article = create_article(by=editor, org=tree.jinan, title="标题", body="<p>正文</p>").article
    with pytest.raises(Invalid) as refused:
        save_article(article, by=editor, base_revision=1, title="新标题", body="<p>正文</p>",
                     cover=SimpleUploadedFile("cover.png", b"<html>not an image</html>"))
    assert (refused.value.code, refused.value.fields) == ("bad_image", {"cover": "只能上传 JPG、PNG、GIF 或 WebP 图片"})
    with pytest.raises(Invalid) as refused:
        create_article(by=editor, org=tree.jinan, title="标题", body="<p>正文</p>",
                       cover=SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"\0" * (5 * 1024 * 1024)))
    assert refused.value.fields == {"cover": "图片不能超过 5 MB"}
    assert list(Article.objects.values_list("title", "revision", "cover")) == [("标题", 1, "")]


def test_a_stale_revision_is_refused_before_the_cover_is_stored(tree, editor):
    article = create_article(by=editor, org=tree.jinan, title="标题", body="<p>正文</p>").article
    save_article(article, by=editor, base_revision=1, title="别人的标题", body="<p>正文</p>")
    with pytest.raises(Conflict) as refused:
        save_article(article, by=editor, base_revision=1, title="标题", body="<p>正文</p>", cover=image())
    assert refused.value.code == "stale_revision"
    assert Article.objects.get().cover.name == ""


def test_a_body_image_is_stored_under_a_random_name(tree, editor):
    url = store_body_image(image("WEBP", "我的照片.webp"), by=editor)
    match = re.fullmatch(r"/media/(editorial/images/\d{4}/\d{2}/[0-9a-f]{32}\.webp)", url)
    assert match and default_storage.exists(match.group(1))
    event = AuditEvent.objects.get(action="editorial.image.upload")
    assert (event.actor, event.data["name"]) == (editor, match.group(1))


# The console: the body-image endpoint and the cover on the form ----------------------------------------------------


def test_a_desk_user_uploads_a_body_image_and_gets_its_address(tree, editor, console):
    response = console(editor).post(UPLOAD, {"file": image("GIF", "动图.gif")})
    assert response.status_code == 200
    answer = response.json()
    assert re.fullmatch(r"/media/editorial/images/\d{4}/\d{2}/[0-9a-f]{32}\.gif", answer["url"])
    assert answer["href"] == answer["url"]
    assert default_storage.exists(answer["url"].removeprefix("/media/"))
    # The address survives the sanitiser, so the image stays in the saved body.
    body = f'<p>正文</p><figure><img src="{answer["url"]}"></figure>'
    assert create_article(by=editor, org=tree.jinan, title="标题", body=body).article.body == body


def test_a_file_that_is_not_an_image_gets_a_400_with_the_reason(editor, console):
    response = console(editor).post(UPLOAD, {"file": SimpleUploadedFile("a.png", b"MZ\x90\x00 an executable")})
    assert (response.status_code, response.json()) == (
        400, {"code": "bad_image", "message": "只能上传 JPG、PNG、GIF 或 WebP 图片"})
    response = console(editor).post(UPLOAD, {})
    assert (response.status_code, response.json()["message"]) == (400, "请选择要上传的图片")
    assert not default_storage.exists("editorial/images")


def test_only_desk_users_may_upload(tree, personas, console):
    auditor = make_user("auditor")  # a cadre of the console without an editorial role
    org_services.position_grant(user=auditor, org=tree.jinan, role=R.AUDITOR, by=SYSTEM)
    for user in (personas.worker, auditor):
        response = console(user).post(UPLOAD, {"file": image()})
        assert (response.status_code, response.json()) == (
            403, {"code": "forbidden", "message": "只有新媒体编辑人员可以上传稿件图片"})
    assert Client().post(UPLOAD, {"file": image()}).status_code == 403
    assert not default_storage.exists("editorial/images")


def test_the_endpoint_wants_a_post_with_the_csrf_token(editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor, backend="smartunion.accounts.backends.UsernameOrPhoneBackend")
    assert client.post(UPLOAD, {"file": image()}).status_code == 403
    assert not default_storage.exists("editorial/images")
    assert client.get(UPLOAD).json() == {"code": "method_not_allowed", "message": "请用表单上传图片"}


def form(tree, **extra):
    return {"org": tree.jinan.pk, "title": "职工运动会开幕", "summary": "三千职工参加",
            "body": "<p>全市职工运动会开幕。</p>", "author": "", "tags": "", "origin": "original", "source": "",
            "source_url": "", "go_live_at": "", "expires_at": "", "base_revision": "", **extra}


def test_the_cover_through_the_console_form(tree, editor, console):
    client = console(editor)
    page = client.get(BASE + "new/").content.decode()
    assert 'enctype="multipart/form-data"' in page and "尚未设置封面图" in page
    assert 'data-image-upload-url="/console/editorial/article/images/"' in page
    assert "console/editorial_editor.js" in page
    response = client.post(BASE + "new/", form(tree, cover=image()))
    article = Article.objects.get()
    assert response.status_code == 302 and article.cover.name.endswith(".png")
    first = article.cover.name
    page = client.get(f"{BASE}{article.pk}/edit/").content.decode()
    assert f'src="/media/{first}" alt="当前封面图"' in page and "删除封面图" in page
    # Saved without touching the cover: it stays, and no new revision for it.
    client.post(f"{BASE}{article.pk}/edit/", form(tree, title="新标题", base_revision=1))
    article.refresh_from_db()
    assert (article.title, article.revision, article.cover.name) == ("新标题", 2, first)
    client.post(f"{BASE}{article.pk}/edit/", form(tree, title="新标题", base_revision=2,
                                                   cover=image("JPEG", "b.jpg")))
    article.refresh_from_db()
    assert article.revision == 3 and article.cover.name.endswith(".jpg")
    client.post(f"{BASE}{article.pk}/edit/", form(tree, title="新标题", base_revision=3, **{"cover-clear": "on"}))
    article.refresh_from_db()
    assert (article.revision, article.cover.name) == (4, "")


def test_a_bad_cover_is_shown_on_the_form_and_nothing_is_saved(tree, editor, console):
    response = console(editor).post(BASE + "new/", form(tree, cover=SimpleUploadedFile("a.jpg", b"GIF8 fake")))
    assert response.status_code == 200
    assert "只能上传 JPG、PNG、GIF 或 WebP 图片" in response.content.decode()
    assert not Article.objects.exists()


def test_an_odd_address_under_the_articles_is_not_found(editor, console):
    """The admin's catch-all hands any path to change_view (a browser asking for an image "undefined" did)."""
    client = console(editor)
    assert client.get(BASE + "new/undefined/change/").status_code == 404
    article = create_article(by=editor, org=editor.positions.get().org, title="标题", body="<p>正文</p>").article
    response = client.get(f"{BASE}{article.pk}/change/")
    assert (response.status_code, response["Location"]) == (302, f"{BASE}{article.pk}/review/")
