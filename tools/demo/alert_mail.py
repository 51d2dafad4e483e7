"""A notification on the alert topic, as the e-mail an admin subscribed to the topic receives it.

SNS sends an e-mail subscriber the message text as the body, with the publisher's subject (CloudWatch
alarms set one; EventBridge targets do not, and SNS then uses "AWS Notification Message"), from the
topic's display name, followed by SNS's unsubscribe footer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

DEFAULT_SUBJECT = "AWS Notification Message"


def render(notification: Mapping[str, Any], display_name: str) -> str:
    """`notification`: the SNS notification document (what an SQS subscriber without raw delivery gets)."""
    body = str(notification.get("Message", ""))
    try:
        parsed = json.loads(body)
    except json.JSONDecodeError:
        parsed = None
    if isinstance(parsed, dict):
        body = json.dumps(parsed, indent=2)
    return "\n".join(
        [
            f"From: {display_name or 'AWS Notifications'} <no-reply@sns.amazonaws.com>",
            f"Subject: {notification.get('Subject') or DEFAULT_SUBJECT}",
            "",
            body,
            "",
            "--",
            "If you wish to stop receiving notifications from this topic, please click or visit the link "
            "below to unsubscribe:",
            f"https://sns.<region>.amazonaws.com/unsubscribe.html?SubscriptionArn={notification.get('TopicArn')}:...",
        ]
    )
