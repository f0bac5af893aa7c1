"""Zoom: OAuth + Meetings API client (client.py), webhook signatures (webhooks.py), strict local fake (fake.py)."""
