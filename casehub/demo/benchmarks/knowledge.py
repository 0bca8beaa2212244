"""``manage.py benchmark knowledge``: search latency over 100,000 articles on PostgreSQL.

Seeds (once) articles of mixed English and Chinese in a ``benchmark`` category, then times
200 searches through the same selector the API uses (first page of 50 plus the count the
paginator runs) and prints p50/p95/max. Figures are printed, never asserted.
"""

from __future__ import annotations

import random
import statistics
import time

from django.db import connection, transaction

from escalation.models import Category
from knowledge import search, selectors
from knowledge.models import Article, ArticleVersion

DEFAULT_COUNT = 100_000
QUERIES = 200
PAGE = 50
BATCH = 5_000

PRODUCTS_EN = ["air conditioner", "fridge", "washing machine", "television", "router", "fan",
               "dishwasher", "microwave", "water heater", "vacuum", "dryer", "oven", "speaker",
               "laptop", "phone", "tablet", "camera", "purifier", "humidifier", "projector"]  # fmt: skip
ISSUES_EN = ["installation delayed", "leaking water", "screen flicker", "cannot connect",
             "refund missing", "coupon rejected", "delivery damaged", "wrong address",
             "noisy motor", "firmware update", "invoice error", "warranty claim", "missing parts",
             "price protection", "remote broken", "overheating", "error code", "slow delivery",
             "return label", "double charge"]  # fmt: skip
PRODUCTS_ZH = ["空调", "冰箱", "洗衣机", "电视", "路由器", "风扇", "洗碗机", "微波炉", "热水器",
               "吸尘器", "烘干机", "烤箱", "音箱", "笔记本", "手机", "平板", "相机", "净化器",
               "加湿器", "投影仪"]  # fmt: skip
ISSUES_ZH = ["安装延迟", "漏水", "屏幕闪烁", "无法连接", "退款未到账", "优惠券无法使用",
             "配送破损", "地址错误", "噪音大", "固件升级", "发票错误", "保修申请", "缺少配件",
             "价格保护", "遥控器失灵", "过热", "故障代码", "配送慢", "退货标签", "重复扣款"]  # fmt: skip
FILLER_EN = ["check", "order", "customer", "call", "back", "within", "hours", "offer", "voucher",
             "technician", "visit", "replace", "confirm", "photo", "serial", "number", "policy",
             "apologise", "escalate", "finance", "logistics", "reship", "schedule", "slot"]  # fmt: skip
FILLER_ZH = ["核实订单", "回电客户", "小时内", "补偿", "上门检测", "更换", "拍照", "序列号",
             "政策", "致歉", "升级处理", "财务", "物流", "重新发货", "预约"]  # fmt: skip


def _article_text(rng: random.Random) -> tuple[str, list[str], str]:
    if rng.random() < 0.5:
        product, issue = rng.choice(PRODUCTS_EN), rng.choice(ISSUES_EN)
        title = f"{product.title()} {issue} #{rng.randint(1, 9999)}"
        words = rng.choices(FILLER_EN, k=60)
        body = " ".join(words) + f". {product} {issue}; see {rng.choice(PRODUCTS_ZH)}."
        tags = [product, issue.split()[0]]
    else:
        product, issue = rng.choice(PRODUCTS_ZH), rng.choice(ISSUES_ZH)
        title = f"{product}{issue}处理办法{rng.randint(1, 9999)}"
        body = (
            "，".join(rng.choices(FILLER_ZH, k=30))
            + f"。{product}{issue}。{rng.choice(PRODUCTS_EN)}"
        )
        tags = [product, issue]
    return title, tags, body


def _queries(rng: random.Random) -> list[str]:
    pool = (
        [rng.choice(PRODUCTS_EN) for _ in range(30)]
        + [f"{rng.choice(PRODUCTS_EN)} {rng.choice(ISSUES_EN)}" for _ in range(40)]
        + [rng.choice(ISSUES_EN).split()[0][:5] for _ in range(20)]
        + [rng.choice(PRODUCTS_ZH)[:2] for _ in range(40)]
        + [rng.choice(ISSUES_ZH) for _ in range(30)]
        + [f"{rng.choice(PRODUCTS_ZH)}{rng.choice(ISSUES_ZH)}" for _ in range(30)]
        + [rng.choice(FILLER_ZH)[:1] for _ in range(10)]
    )
    rng.shuffle(pool)
    return pool[:QUERIES]


def _seed(stdout, count: int, category: Category) -> None:
    have = Article.objects.filter(category=category).count()
    if have >= count:
        stdout.write(f"{have} benchmark articles already present")
        return
    rng = random.Random(have)
    started = time.perf_counter()
    for start in range(have, count, BATCH):
        size = min(BATCH, count - start)
        with transaction.atomic():
            texts = [_article_text(rng) for _ in range(size)]
            articles = Article.objects.bulk_create(
                Article(
                    title=title,
                    category=category,
                    tags=tags,
                    search_vector=search.vector_literal(title=title, tags=tags, body=body),
                )
                for title, tags, body in texts
            )
            ArticleVersion.objects.bulk_create(
                ArticleVersion(
                    article=article, number=1, title=title, body=body, body_html=f"<p>{body}</p>"
                )
                for article, (title, _tags, body) in zip(articles, texts, strict=True)
            )
        stdout.write(f"  seeded {start + size}/{count}")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE knowledge_article a SET published_version_id = v.id "
            "FROM knowledge_articleversion v "
            "WHERE v.article_id = a.id AND a.published_version_id IS NULL AND a.category_id = %s",
            [category.pk],
        )
        # Setting the pointer rewrote every row: compact the table as production would be.
        cursor.execute("VACUUM FULL ANALYZE knowledge_article")
    stdout.write(f"seeded in {time.perf_counter() - started:.0f} s")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run(stdout, count=None) -> None:
    if connection.vendor != "postgresql":
        stdout.write("The knowledge benchmark needs PostgreSQL: set DATABASE_URL=postgres://…")
        return
    count = count or DEFAULT_COUNT
    category, _ = Category.objects.get_or_create(
        code="benchmark", defaults={"name": "Benchmark (generated)"}
    )
    _seed(stdout, count, category)
    queries = _queries(random.Random(42))
    for warm in queries[:10]:
        selectors.articles_by_id(list(selectors.article_ranking(q=warm)[:PAGE]))
    page_ms, total_ms, hits = [], [], []
    for q in queries:
        started = time.perf_counter()
        ranked = selectors.article_ranking(q=q)
        selectors.articles_by_id(list(ranked[:PAGE]))
        page_ms.append((time.perf_counter() - started) * 1000)
        hits.append(ranked.count())
        total_ms.append((time.perf_counter() - started) * 1000)
    live = Article.objects.live().count()
    stdout.write(f"knowledge search over {live} live articles, {len(queries)} queries")
    stdout.write(
        f"  first page of {PAGE}:  p50 {statistics.median(page_ms):.1f} ms  "
        f"p95 {_percentile(page_ms, 0.95):.1f} ms  max {max(page_ms):.1f} ms"
    )
    stdout.write(
        f"  page + count:        p50 {statistics.median(total_ms):.1f} ms  "
        f"p95 {_percentile(total_ms, 0.95):.1f} ms  max {max(total_ms):.1f} ms"
    )
    stdout.write(f"  matches per query:   median {statistics.median(hits):.0f}  max {max(hits)}")


AREAS = {"knowledge": ("search latency over 100,000 articles (PostgreSQL)", run)}
