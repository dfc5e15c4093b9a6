"""Weekly digests: who is due, what each one says, and sending each exactly once.

- planning: every opted-in user is due for the last ISO week whose following Monday 08:00
  has passed in their own timezone (beat runs the planner hourly). One DigestDelivery row
  per (recipient, week) is created, once: the unique constraint makes a planner that fires
  twice create nothing twice, and a beat that was down for less than a day catches up on
  its next run (an older week goes out only by send_digests --week).
- sending: a runner claims a row with a conditional update (pending and due, or "sending"
  past its lease) before it builds the message, records it as sent at the moment the SMTP
  server takes it (reports.emails.message_send_once) and, when it fails, keeps the error
  and a retry time (backoff) until the last attempt marks it failed. A chunk of rows shares
  one SMTP connection and the balance reports of the teams in it.
- content: every figure comes from reports.balance.balance_compute, the one computation of
  the balance report; nothing here adds up hours. A manager's team section (an admin's
  organisation section) also says how many of the week's timesheets are unsubmitted or
  wait for approval (tracker.approvals.week_states_by_team, read once a chunk).
- reminders: the timesheet reminder, a row of kind "reminder" on the same machinery: planned
  (planning.reminders_plan) for Monday 12:00 in each person's timezone when their last week
  is still unsubmitted, checked again just before it is sent, sent exactly once.

`from reports import digests` gives the names the task, the command and the views use.
"""

from .content import (
    UNSUBSCRIBE_MAX_AGE,
    UNSUBSCRIBE_PLACEHOLDER,
    UnsubscribeLinkExpired,
    WeekReports,
    digest_context,
    digest_message,
    message_id,
    unsubscribe_token,
    user_from_unsubscribe_token,
)
from .planning import (
    deliveries_to_send,
    delivery_chunks,
    digests_plan,
    due_recipients,
    due_weeks,
    recipients,
    reminder_recipients,
    reminders_due,
    reminders_plan,
)
from .reminders import reminder_message, reminders_enabled
from .sending import (
    ChunkResult,
    digest_send,
    digests_send_many,
    max_attempts,
    retry_delay,
    sending_lease,
)
from .weeks import due_week, iso_week, last_week_start, parse_iso_week

__all__ = [
    "UNSUBSCRIBE_MAX_AGE", "UNSUBSCRIBE_PLACEHOLDER", "ChunkResult", "UnsubscribeLinkExpired",
    "WeekReports", "deliveries_to_send", "delivery_chunks", "digest_context", "digest_message",
    "digest_send", "digests_plan", "digests_send_many", "due_recipients", "due_week",
    "due_weeks", "iso_week", "last_week_start", "max_attempts", "message_id",
    "parse_iso_week", "recipients", "reminder_message", "reminder_recipients", "reminders_due",
    "reminders_enabled", "reminders_plan", "retry_delay", "sending_lease", "unsubscribe_token",
    "user_from_unsubscribe_token",
]
