"""Web UI: server-rendered pages (Jinja2), own CSS/JS, zh-CN and English."""
