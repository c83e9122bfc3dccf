"""Every write of the benefits app (keyword-only, with a required `by=`)."""

from smartunion.benefits.services.activities import (
    ACTIVITY_WORKFLOW,
    close_activity,
    create_activity,
    create_activity_with_parts,
    pause_activity,
    publish_activity,
    resume_activity,
    set_option_image,
    set_options,
    set_prizes,
    set_questions,
    update_activity,
)

__all__ = [
    "ACTIVITY_WORKFLOW", "close_activity", "create_activity", "create_activity_with_parts", "pause_activity",
    "publish_activity",
    "resume_activity", "set_option_image", "set_options", "set_prizes", "set_questions", "update_activity",
]
