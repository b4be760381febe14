"""Organisations (clinics, labs) and their API keys: `vk_<prefix>_<secret>`, scoped, rate-limited."""
