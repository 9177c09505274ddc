"""The ORM round trip that tests/test_django.py asks of a migrated database: shared by the
``orm_check`` command (against the real database) and the TestCase (against the test one)."""

from decimal import Decimal

from django.contrib.auth import authenticate, get_user_model
from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import TruncDay, Upper
from django.utils import timezone

from shop.models import Category, Product, Review, Tag


def round_trip(prefix: str) -> list[str]:
    """Runs every check; returns what was checked (a failed check raises AssertionError)."""
    done = []
    books = Category.objects.create(name=f"{prefix}Books", slug=f"{prefix}books")
    games = Category.objects.create(name=f"{prefix}Games", slug=f"{prefix}games")
    tags = Tag.objects.bulk_create([Tag(label=f"{prefix}{x}") for x in ("new", "sale", "top")])
    if connection.features.can_return_rows_from_bulk_insert:
        assert all(t.pk is not None for t in tags), "bulk_create returns primary keys"
    else:  # (MySQL: no RETURNING)
        tags = list(Tag.objects.filter(label__startswith=prefix).order_by("id"))
    products = Product.objects.bulk_create(
        [
            Product(
                category=books if i % 2 else games,
                sku=f"{prefix}S-{i}",
                name=f"{prefix}item {i}",
                price=Decimal(f"{i}.25"),
                attrs={
                    "n": i,
                    "color": "red" if i % 3 else "blue",
                    "dims": {"w": i, "h": 2 * i},
                    "tags": ["a", "b"] if i % 2 else [],
                },
            )
            for i in range(1, 21)
        ]
    )
    if connection.features.can_return_rows_from_bulk_insert:
        assert [p.pk is not None for p in products] == [True] * 20
    assert Product.objects.filter(sku__startswith=f"{prefix}S-").count() == 20
    done.append("bulk_create")

    p1 = Product.objects.get(sku=f"{prefix}S-1")
    p1.tags.add(*tags[:2])
    assert sorted(p1.tags.values_list("label", flat=True)) == [f"{prefix}new", f"{prefix}sale"]
    assert Tag.objects.filter(product__sku=f"{prefix}S-1").count() == 2
    done.append("many-to-many")

    mine = Product.objects.filter(sku__startswith=f"{prefix}S-")
    for p in mine:
        p.price = p.price + Decimal("1.10")
        p.stock = p.attrs["n"] * 10
    n = Product.objects.bulk_update(list(mine), ["price", "stock"], batch_size=7)
    assert n == 20, n
    assert Product.objects.get(sku=f"{prefix}S-3").price == Decimal("4.35")
    assert mine.aggregate(s=Sum("stock"))["s"] == 2100
    done.append("bulk_update")

    seen = [p.sku for p in mine.order_by("id").iterator(chunk_size=3)]
    assert len(seen) == 20 and seen[0] == f"{prefix}S-1", seen
    done.append("iterator")

    assert mine.filter(attrs__color="blue").count() == 6
    assert mine.filter(attrs__n__gte=15).count() == 6
    assert mine.filter(attrs__dims__h=8).get().sku == f"{prefix}S-4"
    assert mine.filter(attrs__has_key="color").count() == 20
    assert mine.filter(attrs__has_keys=["color", "dims"]).count() == 20
    assert mine.filter(attrs__has_any_keys=["nope", "n"]).count() == 20
    assert mine.filter(attrs__contains={"color": "blue"}).count() == 6
    assert (
        mine.filter(
            attrs__contained_by={
                "n": 1,
                "color": "red",
                "dims": {"w": 1, "h": 2},
                "tags": ["a", "b"],
                "x": 1,
            }
        ).count()
        == 1
    )
    assert mine.filter(attrs__tags__0="a").count() == 10
    assert mine.filter(attrs__dims__has_key="w").count() == 20
    assert mine.filter(attrs__color__in=["blue"]).count() == 6
    assert mine.filter(attrs__color__icontains="BLU").count() == 6
    assert mine.values_list("attrs__dims__w", flat=True).order_by("id").first() == 1
    done.append("json lookups")

    by_cat = dict(
        Category.objects.filter(name__startswith=prefix)
        .annotate(n=Count("products"))
        .values_list("name", "n")
    )
    assert by_cat == {f"{prefix}Books": 10, f"{prefix}Games": 10}, by_cat
    assert mine.filter(Q(price__gt=10) & ~Q(category=books)).count() == 6
    assert mine.filter(name__istartswith=f"{prefix}ITEM 1").count() == 11
    assert mine.annotate(u=Upper("name")).filter(u=f"{prefix}ITEM 7".upper()).count() == 1
    p1.refresh_from_db()
    p1.attrs = {**p1.attrs, "saved": True}
    p1.save()  # UPDATE ... SET "attrs" = '...'::jsonb
    assert Product.objects.get(pk=p1.pk).attrs["saved"] is True
    mine.filter(sku=f"{prefix}S-2").update(stock=F("stock") + 1)
    assert Product.objects.get(sku=f"{prefix}S-2").stock == 21
    Review.objects.create(product=p1, stars=4, body="ok")
    assert Review.objects.filter(product__category__name=f"{prefix}Books").count() == 1
    today = timezone.now().date()
    assert mine.filter(created__date=today).count() == 20
    assert mine.filter(created__year=today.year, created__month=today.month).count() == 20
    day = mine.annotate(d=TruncDay("created")).values_list("d", flat=True).first()
    assert day.date() == today and day.hour == 0, day
    assert list(mine.dates("created", "day")) == [today]
    assert mine.filter(Exists(Review.objects.filter(product=OuterRef("pk")))).count() == 1
    assert mine.filter(name__regex=r"item 1[0-2]$").count() == 3
    top = list(mine.order_by("-attrs__n").values_list("sku", flat=True)[:2])
    assert top == [f"{prefix}S-20", f"{prefix}S-19"], top  # a JSON number sorts by value
    with transaction.atomic():
        locked = mine.select_for_update().get(sku=f"{prefix}S-6")
        locked.stock += 1
        locked.save()
    assert mine.get(sku=f"{prefix}S-6").stock == 61
    done.append("queries")

    try:
        with transaction.atomic():
            Category.objects.create(name=f"{prefix}Books", slug="dup")
        raise AssertionError("a duplicate name was accepted")
    except Exception as e:  # IntegrityError
        assert type(e).__name__ == "IntegrityError", repr(e)
    assert Category.objects.filter(name=f"{prefix}Books").count() == 1
    done.append("unique constraint")

    User = get_user_model()
    User.objects.create_user(f"{prefix}ann", password="pw-123456")
    assert authenticate(username=f"{prefix}ann", password="pw-123456") is not None
    assert authenticate(username=f"{prefix}ann", password="wrong") is None
    done.append("authenticate")

    with connection.cursor() as cur:
        cur.execute("SELECT 1")
        assert cur.fetchone() == (1,)
    return done
