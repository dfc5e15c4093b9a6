"""The deterministic demo data that `manage.py seed_demo` writes, split by noun: vocabulary
(the names, sectors, templates, weights and other constants), records (the in-memory people,
teams, clients, engagements and activities), plan (DemoPlan, which decides everything from
one seed, and generates the time entries a week at a time) and load (writing a plan to the
database: COPY on PostgreSQL, bulk_create elsewhere, and the timing laps).
"""
