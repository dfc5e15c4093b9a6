"""The REST API under /api/v1/ (docs/api.md): pages for programs, over the same access
layer, services and figures as the HTML pages."""
