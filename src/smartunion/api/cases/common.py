"""The one router the rights-and-assistance endpoints register on."""

from ninja import Router

router = Router(tags=["维权帮扶"])
