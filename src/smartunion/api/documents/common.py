"""The office platform's API router; each module of this package adds its routes to it."""

from ninja import Router

router = Router(tags=["自动化办公"])
