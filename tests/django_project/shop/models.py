"""Models that exercise what Django's PostgreSQL backend emits: foreign keys, a many-to-many
table, decimals, JSON, unique constraints, pattern-ops and expression indexes."""

from django.db import models
from django.db.models.functions import Upper


class Category(models.Model):
    name = models.CharField(max_length=50, unique=True)
    slug = models.SlugField(max_length=60, unique=True)  # db_index: also varchar_pattern_ops

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    label = models.TextField(db_index=True)  # text_pattern_ops


class Product(models.Model):
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="products")
    tags = models.ManyToManyField(Tag, blank=True)
    sku = models.CharField(max_length=20)
    name = models.CharField(max_length=100)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    attrs = models.JSONField(default=dict)
    created = models.DateTimeField(auto_now_add=True)
    stock = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["category", "sku"], name="product_category_sku_uniq"),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="product_price_gte_0"),
        ]
        indexes = [
            models.Index(fields=["name", "-price"], name="product_name_price_ix"),
            models.Index(
                fields=["sku"], condition=models.Q(stock__gt=0), name="product_in_stock_idx"
            ),
            models.Index(Upper("name"), name="product_upper_name_idx"),
        ]


class Review(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, null=True)
    stars = models.PositiveSmallIntegerField(default=5)
    body = models.TextField(blank=True)
