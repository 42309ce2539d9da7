"""The domain: every change to a workshop is a function here.

Service functions take the acting participant or user as an argument, never read the request,
validate their input and raise ServiceError, and record a WorkshopEvent for each visible change.
Callers commit once through unit_of_work(); broadcasts leave only after that commit.
"""

from consult.services.errors import ServiceError
from consult.services.events import unit_of_work

__all__ = ["ServiceError", "unit_of_work"]
