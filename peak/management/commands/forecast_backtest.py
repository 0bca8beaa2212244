"""``manage.py forecast_backtest``: the forecast against seasonal-naive on the last week."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from peak import forecast


class Command(BaseCommand):
    help = (
        "Hold out the last week of each category's hourly intake, fit the forecast on the "
        "weeks before it, and print the mean absolute error per hour of the model and of "
        "seasonal-naive (the same hour one week earlier). Fails when the model does not beat "
        "seasonal-naive overall."
    )

    def add_arguments(self, parser):
        parser.add_argument("categories", nargs="*", help="Category codes; default all.")
        parser.add_argument(
            "--no-fail",
            action="store_true",
            help="Exit 0 even when the model does not beat seasonal-naive.",
        )

    def handle(self, *args, **options):
        codes = options["categories"] or forecast.categories()
        end = forecast.hour_floor(timezone.now())
        history = forecast.hourly_history(codes, end=end)
        self.stdout.write(f"{'category':<16} {'hours':>6} {'model MAE':>10} {'naive MAE':>10}")
        results = []
        for code in codes:
            result = forecast.backtest(code, history[code])
            if result is None:
                weeks = len(history[code]) / forecast.WEEK_HOURS
                self.stdout.write(f"{code:<16} too little history ({weeks:.1f} weeks)")
                continue
            results.append(result)
            self.stdout.write(
                f"{code:<16} {len(history[code]):>6} "
                f"{result.mae:>10.3f} {result.seasonal_naive_mae:>10.3f}"
            )
        overall = forecast.pooled(results)
        if overall is None:
            raise CommandError("No category has the two weeks of history a backtest needs.")
        mae, naive = overall
        self.stdout.write(
            f"{'overall':<16} {'':>6} {mae:>10.3f} {naive:>10.3f}  "
            f"({(1 - mae / naive) * 100 if naive else 0:.1f} % lower than seasonal-naive)"
        )
        if mae >= naive and not options["no_fail"]:
            raise CommandError("The forecast does not beat seasonal-naive.")
