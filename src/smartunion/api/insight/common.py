"""The data platform's API router; each module of this package adds its routes to it."""

from ninja import Router

router = Router(tags=["数据整合"])
