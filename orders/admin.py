"""Admin views of submissions and order actions: read-only records of what was sent to the ERP and what
it answered.

Nothing here sends anything; retrying is ``orders.submissions.submission_run``'s job (an action is never
sent twice: ``orders.actions``), so the admin cannot edit a record into a state that no longer matches the
ERP.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from orders import connections
from orders.models import (
    ErpConnection,
    IndexSyncState,
    OrderAction,
    OrderActionAttempt,
    Submission,
    SubmissionStep,
)
from orders.models_references import ReferenceListState, ReferenceSyncState


class ErpConnectionForm(forms.ModelForm):
    class Meta:
        model = ErpConnection
        fields = ("slug", "name", "kind", "settings", "secret_env", "groups", "is_default", "is_active")

    def clean(self):
        cleaned = super().clean()
        candidate = ErpConnection(kind=cleaned.get("kind") or "", settings=cleaned.get("settings") or {},
                                  secret_env=cleaned.get("secret_env") or "")
        try:
            connections.validate(candidate)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
        return cleaned


@admin.register(ErpConnection)
class ErpConnectionAdmin(admin.ModelAdmin):
    """Admins manage the ERP connections here: which company, which ERP, which groups see it. The
    secret is named, never stored: ``secret_env`` is the environment variable that holds it."""

    form = ErpConnectionForm
    list_display = ("name", "slug", "kind", "is_default", "is_active", "secret_env")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "slug")
    filter_horizontal = ("groups",)
    prepopulated_fields = {"slug": ("name",)}


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class SubmissionStepInline(admin.TabularInline):
    model = SubmissionStep
    extra = 0
    can_delete = False
    fields = ("position", "kind", "line_index", "state", "http_status", "duration_ms", "attempts",
              "attempted_at", "upstream_line_id", "trace_id", "tracking_id", "error", "note")
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "connection", "created_by", "created_at", "target_status", "state",
                    "upstream_order_id", "upstream_ref", "last_error")
    list_filter = ("state", "connection", "target_status", "created_at")
    search_fields = ("public_id", "token", "upstream_order_id", "upstream_ref", "last_tracking_id", "last_trace_id")
    date_hierarchy = "created_at"
    list_select_related = ("connection", "created_by")
    inlines = (SubmissionStepInline,)


@admin.register(SubmissionStep)
class SubmissionStepAdmin(ReadOnlyAdmin):
    list_display = ("submission", "position", "kind", "line_index", "state", "http_status", "duration_ms",
                    "attempted_at")
    list_filter = ("state", "kind")
    search_fields = ("submission__public_id", "trace_id", "tracking_id")
    list_select_related = ("submission",)


class OrderActionAttemptInline(admin.TabularInline):
    model = OrderActionAttempt
    extra = 0
    can_delete = False
    fields = ("number", "attempted_at", "outcome", "http_status", "duration_ms", "trace_id", "tracking_id", "error",
              "response")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OrderAction)
class OrderActionAdmin(ReadOnlyAdmin):
    """A change made to an existing order from its page, with every attempt (``orders.actions``)."""

    list_display = ("public_id", "connection", "order_id", "kind", "state", "in_doubt", "created_by", "created_at",
                    "last_error")
    list_filter = ("state", "kind", "in_doubt", "connection", "created_at")
    search_fields = ("public_id", "order_id", "token", "tracking_id", "trace_id")
    date_hierarchy = "created_at"
    list_select_related = ("connection", "created_by")
    inlines = (OrderActionAttemptInline,)


# Where the background syncs of a QuickBooks company stand (``orders.services.index``,
# ``orders.services.qbd_references``): read-only, since the syncs own these rows.

@admin.register(IndexSyncState)
class IndexSyncStateAdmin(ReadOnlyAdmin):
    list_display = ("connection", "last_success_at", "agent_answered_at", "full_synced_at", "full_sync_page",
                    "last_error_at", "last_error")
    list_select_related = ("connection",)


@admin.register(ReferenceSyncState)
class ReferenceSyncStateAdmin(ReadOnlyAdmin):
    list_display = ("connection", "last_success_at", "agent_answered_at", "full_requested_at", "last_error_at",
                    "last_error")
    list_select_related = ("connection",)


@admin.register(ReferenceListState)
class ReferenceListStateAdmin(ReadOnlyAdmin):
    list_display = ("connection", "list_name", "synced_at", "full_synced_at", "full_page", "modified_mark")
    list_filter = ("connection", "list_name")
    list_select_related = ("connection",)
