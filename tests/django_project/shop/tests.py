from django.contrib.auth import authenticate, get_user_model
from django.test import TestCase

from shop.checks import round_trip
from shop.models import Category


class ShopTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cat = Category.objects.create(name="Fixture", slug="fixture")

    def test_round_trip(self):
        self.assertIn("json lookups", round_trip("t-"))

    def test_rolled_back_between_tests(self):
        # TestCase wraps each test in a transaction rolled back at its end.
        self.assertEqual(Category.objects.count(), 1)
        self.assertFalse(get_user_model().objects.exists())

    def test_superuser(self):
        get_user_model().objects.create_superuser("root", "root@example.com", "pw-123456")
        self.assertTrue(authenticate(username="root", password="pw-123456").is_superuser)
