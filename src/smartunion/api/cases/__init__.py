"""/api/v1 rights and assistance (维权帮扶): rights cases (cases.py), legal aid and counselling (counselling.py),
hardship files, assistance applications and payments (assistance.py). Each module adds its routes to `router`."""

from smartunion.api.cases import assistance, cases, counselling  # noqa: F401  (routes register)
from smartunion.api.cases.common import router

__all__ = ["router"]
