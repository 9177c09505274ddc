"""A small Django 5.2 project on an aurora-local writer (tests/test_django.py runs it).

The connection comes from AURORA_PG_HOST / _PORT / _USER / _PASSWORD / _DB;
AURORA_PG_SERVER_SIDE_BINDING=1 turns on psycopg 3's server-side binding. With
AURORA_DJANGO_ENGINE=mysql it is Django's MySQL backend on a MySQL-edition writer
(tests/test_mysql_edition.py), through PyMySQL (manage.py installs it as MySQLdb).
"""

import os

SECRET_KEY = "aurora-local-django-test"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
ROOT_URLCONF = "urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "shop",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.request",
            ]
        },
    }
]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": os.environ.get("AURORA_PG_HOST", "127.0.0.1"),
        "PORT": os.environ.get("AURORA_PG_PORT", "5432"),
        "USER": os.environ.get("AURORA_PG_USER", "postgres"),
        "PASSWORD": os.environ.get("AURORA_PG_PASSWORD", ""),
        "NAME": os.environ.get("AURORA_PG_DB", "postgres"),
        "OPTIONS": {"sslmode": "disable"},
        "TEST": {"NAME": os.environ.get("AURORA_PG_TEST_DB", "test_django")},
    }
}
if os.environ.get("AURORA_PG_SERVER_SIDE_BINDING") == "1":
    DATABASES["default"]["OPTIONS"]["server_side_binding"] = True
if os.environ.get("AURORA_DJANGO_ENGINE") == "mysql":
    DATABASES["default"].update(ENGINE="django.db.backends.mysql", OPTIONS={"charset": "utf8mb4"})
