from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Sales orders"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from orders import connections, context_processors  # noqa: F401 - connections' receivers
        from orders.models import IndexSyncState

        post_save.connect(context_processors.forget_agents, sender=IndexSyncState, dispatch_uid="forget-agents")
