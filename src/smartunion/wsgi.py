import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartunion.settings")
application = get_wsgi_application()

# What a worker has loaded by now (Django, the apps, every URL and API schema) lives as long as the process: it is
# moved out of the collector's generations, so that a full collection walks only what requests leave behind (two
# full collections of 270k objects took about 135 ms each in a 30 s case-filing bench: its slowest responses).
get_resolver().url_patterns  # noqa: B018  (imports every URLconf now rather than in the first request)
gc.collect()
gc.freeze()
