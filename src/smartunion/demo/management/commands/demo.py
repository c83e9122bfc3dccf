from django.core.management import call_command
from django.core.management.base import BaseCommand

from smartunion.demo.management.commands.seed import seed_and_report
from smartunion.orgs.models import Organisation


class Command(BaseCommand):
    help = "迁移数据库、首次运行时生成演示省份，并在 http://127.0.0.1:8000 启动服务。重复运行会保留已有数据。"

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=3000)
        parser.add_argument("--addr", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="只迁移和生成数据，不启动服务")

    def handle(self, *args, members: int, addr: str, no_serve: bool, **options):
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("数据库已迁移。")
        if Organisation.objects.filter(kind=Organisation.Kind.PROVINCE).exists():
            self.stdout.write("演示数据已存在，保留不变。")
        else:
            seed_and_report(self, members=members, orgs=None, seed=2026)
        if no_serve:
            return
        host = addr.split(":")[0]
        self.stdout.write(self.style.SUCCESS(
            f"职工门户 http://{addr}/   管理后台 http://{addr}/console/   接口文档 http://{addr}/api/v1/docs"))
        call_command("runserver", addr, use_reloader=False, insecure_serving=True, skip_checks=host == "")
