from django.urls import path

from webapp.billing import apis

app_name = "billing"
urlpatterns = [
    path("credits", apis.CreditsApi.as_view(), name="credits"),
    path("credits/transactions", apis.TransactionListApi.as_view(), name="transactions"),
    path("checkout", apis.CheckoutApi.as_view(), name="checkout"),
    path("payments", apis.PaymentListApi.as_view(), name="payments"),
    path("stripe/webhook", apis.StripeWebhookApi.as_view(), name="stripe-webhook"),
]
