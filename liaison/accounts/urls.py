from django.urls import path

from liaison.accounts import views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", views.sign_out, name="logout"),
    path("organisation/", views.switch_organisation, name="switch_organisation"),
    path("me/", views.profile, name="profile"),
    path("people/", views.people_list, name="people"),
    path("people/add/", views.person_add, name="person_add"),
    path("people/memberships/<int:membership_id>/end/", views.membership_end, name="membership_end"),
]
