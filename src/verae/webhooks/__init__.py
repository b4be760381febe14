"""Signed webhooks: an organisation's endpoints, one delivery per event and endpoint, delivered by the
queue's workers (job kind `deliver_webhook`) with retries, a delivery log and replay."""
