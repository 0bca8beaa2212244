"""Run the demo's chatbot platform (``casehub.demo.bot_platform``) in the foreground.

It registers its webhook address on the bot department, as a platform would in the admin,
and works each follow-up handed to it through the tasks API with its own token.
"""

import secrets

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token

from casehub.demo.bot_platform import BotPlatform
from escalation.taskgroups import bot


class Command(BaseCommand):
    help = "Run the demo's chatbot platform: it takes the bot department's follow-ups."

    def add_arguments(self, parser):
        parser.add_argument("--api", required=True, help="CaseHub's API, e.g. http://…/api/v1/")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=0, help="0: any free port")

    def handle(self, *args, api, host, port, **options):
        department = bot.bot_department()
        account = bot.bot_account(department) if department is not None else None
        if department is None or account is None:
            raise CommandError(
                f"No active department {settings.CASEHUB_BOT_DEPARTMENT!r} with a member: "
                "run seed_demo first."
            )
        if not department.webhook_secret:
            department.webhook_secret = secrets.token_hex(24)
        token, _created = Token.objects.get_or_create(user=account)
        platform = BotPlatform(
            api_url=api,
            token=token.key,
            secret=department.webhook_secret,
            department=department.code,
            host=host,
            port=port,
        )
        department.webhook_url = platform.webhook_url
        department.save(update_fields=["webhook_url", "webhook_secret"])
        self.stdout.write(f"The chatbot platform takes follow-ups at {platform.webhook_url}")
        try:
            platform.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            platform.stop()
