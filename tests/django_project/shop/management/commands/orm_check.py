from django.core.management.base import BaseCommand

from shop.checks import round_trip


class Command(BaseCommand):
    help = "Run the ORM round trip of tests/test_django.py against the database."

    def add_arguments(self, parser):
        parser.add_argument("prefix")

    def handle(self, *args, prefix, **options):
        for step in round_trip(prefix):
            self.stdout.write(f"ok {step}")
