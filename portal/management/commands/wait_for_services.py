import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, connection


class Command(BaseCommand):
    help = "Wait until the database (and Redis, when REDIS_URL is set) accept connections."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=60.0, help="Seconds to wait.")

    def handle(self, *args, timeout: float, **options):
        deadline = time.monotonic() + timeout
        for name, probe in self._probes():
            while True:
                try:
                    probe()
                    break
                except Exception as exc:  # any failure means "not yet"  # noqa: BLE001
                    if time.monotonic() > deadline:
                        raise CommandError(f"{name} is not reachable: {exc}") from exc
                    time.sleep(1)
            self.stdout.write(f"{name} is up.")

    def _probes(self):
        def database():
            try:
                connection.ensure_connection()
            except OperationalError:
                connection.close()
                raise

        yield "database", database
        if settings.REDIS_URL:
            import redis

            client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2)
            yield "redis", client.ping
