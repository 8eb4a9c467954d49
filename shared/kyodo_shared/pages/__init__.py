"""The page kit: what every service's server-rendered pages share (layout, navigation, language, formats, forms,
login). A service declares a `PageSite`; `web.app.create_service_app` builds its pages app beside its API app."""
