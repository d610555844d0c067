# Every function's log group feeds the logs-shipper, which indexes the lines into Elasticsearch
# for Kibana. Serverless creates the functions and their log groups (retention 14 days), so these
# wait for `functions_deployed`.

locals {
  # Every function in serverless.yml except logs-shipper: a subscription on the shipper's own log
  # group would ship its own lines, whose shipping logs more lines, in a loop.
  # terraform.test.ts fails when this list and serverless.yml's functions drift apart.
  shipped_log_functions = [
    "bff",
    "catalog",
    "singers",
    "singers-post-confirmation",
    "change-publisher",
    "outbox-sweeper",
    "search-indexer",
    "cache-invalidator",
    "rotations",
    "performances",
    "performances-recorder",
    "playlists",
    "pitch-mailer",
    "dlq-monitor",
    "media-inspector",
    "usage-archiver",
    "usage-compactor",
  ]
}

resource "aws_lambda_permission" "logs_shipper" {
  count = var.functions_deployed ? 1 : 0

  statement_id   = "CloudWatchLogsSubscriptions"
  action         = "lambda:InvokeFunction"
  function_name  = local.logs_shipper_arn
  principal      = "logs.amazonaws.com"
  source_account = local.account_id
  source_arn     = "arn:${local.partition}:logs:${var.region}:${local.account_id}:log-group:/aws/lambda/${local.prefix}-*:*"
}

resource "aws_cloudwatch_log_subscription_filter" "logs_shipper" {
  for_each = var.functions_deployed ? toset(local.shipped_log_functions) : toset([])

  name            = "${local.prefix}-logs-shipper"
  log_group_name  = "/aws/lambda/${local.prefix}-${each.key}"
  filter_pattern  = ""
  destination_arn = local.logs_shipper_arn

  # CloudWatch Logs test-invokes the destination when the filter is created.
  depends_on = [aws_lambda_permission.logs_shipper]
}
