"""The one public file of the benefits app: a vote option's image (mounted at /benefit-images/ by the project's
urls.py). Uploads live under the private media folder, which is not served as a whole; an option's picture is
public to anyone who may see the vote, and says nothing about a person, so it is served by option id."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from smartunion.benefits.models import Activity, VoteOption
from smartunion.benefits.services.activities import IMAGE_TYPES


@require_GET
@cache_control(public=True, max_age=3600)
def option_image(request, option_id: int):
    option = (VoteOption.objects.filter(pk=option_id).exclude(activity__status=Activity.Status.DRAFT)
              .exclude(image="").first())
    if option is None:
        raise Http404("图片不存在")
    suffix = option.image.name.rsplit(".", 1)[-1].lower()
    try:
        handle = option.image.open("rb")
    except FileNotFoundError:
        raise Http404("图片不存在") from None
    return FileResponse(handle, content_type=IMAGE_TYPES.get(suffix, "application/octet-stream"))
