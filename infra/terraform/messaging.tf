# The change chain: the change-publisher publishes every outbox row to `changes` with the message
# attributes `entity` and `op`; each consumer has its own queue, subscribed with a filter on
# `entity`. scripts/local/aws-resources.ts builds the same topology in the local emulator, and
# terraform.test.ts keeps the two (and serverless.yml's queue names) in step.
#
# The topics are not KMS-encrypted: SSE-KMS on a topic needs kms:GenerateDataKey on the
# publishers' role, which serverless.yml keeps to sns:Publish.

locals {
  # Queue name suffix => the SNS filter policy of its subscription (on the `entity` message
  # attribute); null receives every change.
  change_queues = {
    "search-indexer"    = { filter_policy = jsonencode({ entity = ["song"] }) }
    "cache-invalidator" = { filter_policy = null }
    "performances"      = { filter_policy = jsonencode({ entity = ["performance"] }) }
  }

  # A message that failed this many receives moves to its queue's dead-letter queue.
  max_receive_count = 5

  # Lambda's SQS event source wants the visibility timeout at six times the function timeout
  # (30 s for every consumer in serverless.yml), so a retried batch is not received twice at once.
  change_queue_visibility_timeout = 180

  fourteen_days = 1209600
}

resource "aws_sns_topic" "changes" {
  name = "${local.prefix}-changes"
}

# "You're up next" notifications; push or SMS senders subscribe here (none yet).
resource "aws_sns_topic" "notifications" {
  name = "${local.prefix}-notifications"
}

resource "aws_sqs_queue" "change_dead_letter" {
  for_each = local.change_queues

  name                      = "${local.prefix}-${each.key}-dlq"
  message_retention_seconds = local.fourteen_days
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue" "change" {
  for_each = local.change_queues

  name                       = "${local.prefix}-${each.key}"
  visibility_timeout_seconds = local.change_queue_visibility_timeout
  sqs_managed_sse_enabled    = true

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.change_dead_letter[each.key].arn
    maxReceiveCount     = local.max_receive_count
  })
}

data "aws_iam_policy_document" "change_queue" {
  for_each = local.change_queues

  statement {
    sid       = "ChangesTopicDelivers"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.change[each.key].arn]

    principals {
      type        = "Service"
      identifiers = ["sns.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_sns_topic.changes.arn]
    }
  }
}

resource "aws_sqs_queue_policy" "change" {
  for_each = local.change_queues

  queue_url = aws_sqs_queue.change[each.key].id
  policy    = data.aws_iam_policy_document.change_queue[each.key].json
}

resource "aws_sns_topic_subscription" "change" {
  for_each = local.change_queues

  topic_arn = aws_sns_topic.changes.arn
  protocol  = "sqs"
  endpoint  = aws_sqs_queue.change[each.key].arn

  # Consumers parse the message body as the outbox row itself, not an SNS envelope.
  raw_message_delivery = true
  filter_policy        = each.value.filter_policy

  # Without the queue policy the first deliveries would be refused.
  depends_on = [aws_sqs_queue_policy.change]
}

# What the logs-shipper could not index after its retries. It is the end of the line: nothing
# consumes it, people read and replay it, so it keeps messages as long as SQS allows and has no
# redrive (each look in the console counts as a receive).
resource "aws_sqs_queue" "logs_dead_letter" {
  name                      = "${local.prefix}-logs-dead-letter"
  message_retention_seconds = local.fourteen_days
  sqs_managed_sse_enabled   = true
}

# The media bucket's ObjectCreated events, for the media-inspector function. Its visibility
# timeout is six times the function's (120 s: a 200 MB file is read twice, once in ranges and once
# for its SHA-256).
resource "aws_sqs_queue" "media_inspector_dead_letter" {
  name                      = "${local.prefix}-media-inspector-dlq"
  message_retention_seconds = local.fourteen_days
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue" "media_inspector" {
  name                       = "${local.prefix}-media-inspector"
  visibility_timeout_seconds = 720
  sqs_managed_sse_enabled    = true

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.media_inspector_dead_letter.arn
    maxReceiveCount     = local.max_receive_count
  })
}

data "aws_iam_policy_document" "media_inspector_queue" {
  statement {
    sid       = "MediaBucketDelivers"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.media_inspector.arn]

    principals {
      type        = "Service"
      identifiers = ["s3.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_s3_bucket.media.arn]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_sqs_queue_policy" "media_inspector" {
  queue_url = aws_sqs_queue.media_inspector.id
  policy    = data.aws_iam_policy_document.media_inspector_queue.json
}
