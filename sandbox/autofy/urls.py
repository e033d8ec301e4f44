"""The Autofy stand-in's routes: the data API (``sandbox.autofy.views``) and its knobs under
``/_sandbox/autofy/`` (``sandbox.autofy.control``). Included by ``sandbox.urls``."""

from django.urls import path, re_path

from sandbox.api.http import resource
from sandbox.autofy import control, views

urlpatterns = [
    path("autofy/v2/data/<str:endpoint_id>/<str:object_name>", views.data),
    path("autofy/v2/data/<str:endpoint_id>/<str:object_name>/<str:object_id>", views.data),
    re_path(r"^autofy/", views.unknown_route),
    path("_sandbox/autofy/config", resource(GET=(None, control.get_config), POST=(None, control.update_config))),
    path("_sandbox/autofy/rate-limit/reset", resource(POST=(None, control.reset_rate_limit))),
    path("_sandbox/autofy/salesorders/<str:txn_id>/in-use", resource(POST=(None, control.set_in_use))),
    path("_sandbox/autofy/salesorders/<str:txn_id>/edit", resource(POST=(None, control.edit_order))),
    path("_sandbox/autofy/salesorders/<str:txn_id>/delete", resource(POST=(None, control.delete_order))),
    path("_sandbox/autofy/lists/<str:list_id>/edit", resource(POST=(None, control.edit_list_record))),
    path("_sandbox/autofy/lists/<str:list_id>/delete", resource(POST=(None, control.delete_list_record))),
    path("_sandbox/autofy/reset", resource(POST=(None, control.reset))),
    path("_sandbox/autofy/state", resource(GET=(None, control.get_state))),
]
