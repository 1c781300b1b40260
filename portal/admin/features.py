"""What a client may use in the tracking platform: the features a client group ticks."""

from flask_babel import lazy_gettext as _l

FEATURES = {
    "live_map": _l("Live map"),
    "trip_history": _l("Trip history"),
    "reports": _l("Reports"),
    "geofences": _l("Geofences"),
    "alerts": _l("Alerts"),
    "drivers": _l("Drivers"),
    "fuel": _l("Fuel"),
    "maintenance": _l("Maintenance"),
    "api_access": _l("API access"),
}
