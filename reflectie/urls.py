from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from .health import health
from .login import ThrottledLoginView

urlpatterns = [
    path("", include("sessions.urls")),
    path("", include("sessions.urls_followup")),
    path("instrumenten/", include("instruments.urls")),
    path("", include("sessions.urls_partnerships")),
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("health", health, name="health"),
]
