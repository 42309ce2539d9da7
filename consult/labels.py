"""Translatable names of the fixed values (stakeholder categories, genders, age bands), for pages and reports."""

from flask_babel import lazy_gettext as _l

CATEGORY_LABELS = {
    "council_member": _l("Council member"),
    "commune_staff": _l("Commune staff"),
    "civil_society": _l("Civil society"),
    "iecg_member": _l("Member of the equality body (IECG)"),
    "private_sector": _l("Private sector"),
    "citizen": _l("Citizen"),
    "other": _l("Other"),
}
GENDER_LABELS = {"female": _l("Woman"), "male": _l("Man")}
AGE_LABELS = {
    "under_18": _l("Under 18"),
    "18_29": _l("18 to 29"),
    "30_44": _l("30 to 44"),
    "45_59": _l("45 to 59"),
    "60_plus": _l("60 or more"),
}
