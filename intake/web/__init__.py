"""The customer's pages (rating, complaint, tracking), the administration pages and /healthz."""
