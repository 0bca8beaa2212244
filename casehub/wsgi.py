import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casehub.settings")
application = get_wsgi_application()

from casehub.runtime import tune_garbage_collection  # noqa: E402

tune_garbage_collection()
