"""Celery tasks: thin wrappers that fetch by id, call a service and decide retries."""

import smtplib

from celery import shared_task

from . import digests

CHUNK_SIZE = 50


def enqueue_digest_chunks(delivery_ids: list[int]) -> int:
    chunks = [delivery_ids[i : i + CHUNK_SIZE] for i in range(0, len(delivery_ids), CHUNK_SIZE)]
    for chunk in chunks:
        send_digest_chunk_task.delay(chunk)
    return len(chunks)


@shared_task
def plan_digests_task(week_start: str | None = None) -> int:
    """Run by beat every hour: create the deliveries that are due and fan them out."""
    import datetime as dt

    week = dt.date.fromisoformat(week_start) if week_start else None
    return enqueue_digest_chunks(digests.digests_plan(week_start=week))


@shared_task(
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=10,
    retry_backoff_max=600,
    max_retries=5,
)
def send_digest_chunk_task(delivery_ids: list[int]) -> int:
    return digests.digests_send_many(delivery_ids=delivery_ids)
