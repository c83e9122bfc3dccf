"""/api/v1 benefits (惠工活动): one router, its endpoints in a module per part (activities and the cadre's steps;
coupons and merchants; sign-ups, votes and surveys; lotteries). Each module adds its routes to `router`."""

from smartunion.api.benefits import activities, coupons, lottery, participation  # noqa: F401  (routes register)
from smartunion.api.benefits.common import router

__all__ = ["router"]
