"""Google Meet: OAuth + Calendar API client (client.py), strict local fake Google (fake.py)."""
