# Usage metrics: read events from the BFF arrive on the `usage` topic, karaoke log entries on
# `changes` (filtered to their entities); one queue feeds the usage-archiver, which writes Parquet
# under usage/event_date=YYYY-MM-DD/event_type=<type>/ of the lake bucket. Glue declares the table
# over those files with partition projection (no crawler), Athena runs the dashboards' named
# queries (services/metrics/queries/*.sql, the same files `npm run metrics` runs with DuckDB).
# scripts/local/aws-resources.ts builds the topic, queue and bucket locally; terraform.test.ts
# keeps the two, serverless.yml and the query files in step.

locals {
  # The usage-archiver runs up to 60 s; Lambda wants the visibility timeout at six times that.
  usage_archiver_visibility_timeout = 360

  # Outbox entities that are usage events: karaoke requests and performances, playlist writes, shares.
  usage_change_entities = ["song-requested", "performance", "playlist", "playlist_item", "share", "pitch_activity"]

  # The named queries: services/metrics/queries/<name>.sql.
  usage_named_queries = ["plays-by-track", "pitch-engagement", "top-searches", "zero-result-searches", "karaoke-nights"]

  # Parquet columns as the archiver writes them (services/metrics/lake/rows.ts), in order.
  usage_columns = [
    { name = "event_id", type = "string" },
    { name = "schema_version", type = "int" },
    { name = "occurred_at", type = "timestamp" },
    { name = "actor_kind", type = "string" },
    { name = "actor_id", type = "string" },
    { name = "subject_kind", type = "string" },
    { name = "subject_id", type = "string" },
    { name = "song_id", type = "string" },
    { name = "media_id", type = "string" },
    { name = "playlist_id", type = "string" },
    { name = "pitch_id", type = "string" },
    { name = "recipient", type = "string" },
    { name = "night_id", type = "string" },
    { name = "singer_id", type = "string" },
    { name = "query", type = "string" },
    { name = "result_count", type = "int" },
    { name = "latency_ms", type = "int" },
    { name = "cached", type = "boolean" },
    { name = "props", type = "string" },
  ]

  # Usage event types (services/metrics/contract.ts): the projected values of `event_type`.
  usage_event_types = [
    "search.performed", "song.viewed", "media.streamed", "media.downloaded", "playlist.changed",
    "share.created", "pitch.sent", "pitch.opened", "pitch.played", "pitch.downloaded",
    "karaoke.requested", "karaoke.performed",
  ]
}

resource "aws_sns_topic" "usage" {
  name = "${local.prefix}-usage"
}

resource "aws_sqs_queue" "usage_archiver_dead_letter" {
  name                      = "${local.prefix}-usage-archiver-dlq"
  message_retention_seconds = local.fourteen_days
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue" "usage_archiver" {
  name                       = "${local.prefix}-usage-archiver"
  visibility_timeout_seconds = local.usage_archiver_visibility_timeout
  sqs_managed_sse_enabled    = true

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.usage_archiver_dead_letter.arn
    maxReceiveCount     = local.max_receive_count
  })
}

data "aws_iam_policy_document" "usage_archiver_queue" {
  statement {
    sid       = "UsageAndChangesTopicsDeliver"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.usage_archiver.arn]

    principals {
      type        = "Service"
      identifiers = ["sns.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_sns_topic.usage.arn, aws_sns_topic.changes.arn]
    }
  }
}

resource "aws_sqs_queue_policy" "usage_archiver" {
  queue_url = aws_sqs_queue.usage_archiver.id
  policy    = data.aws_iam_policy_document.usage_archiver_queue.json
}

resource "aws_sns_topic_subscription" "usage_archiver" {
  topic_arn            = aws_sns_topic.usage.arn
  protocol             = "sqs"
  endpoint             = aws_sqs_queue.usage_archiver.arn
  raw_message_delivery = true
  depends_on           = [aws_sqs_queue_policy.usage_archiver]
}

# Karaoke requests and performances leave the database through the outbox like every change.
resource "aws_sns_topic_subscription" "usage_archiver_changes" {
  topic_arn            = aws_sns_topic.changes.arn
  protocol             = "sqs"
  endpoint             = aws_sqs_queue.usage_archiver.arn
  raw_message_delivery = true
  filter_policy        = jsonencode({ entity = local.usage_change_entities })
  depends_on           = [aws_sqs_queue_policy.usage_archiver]
}

# The lake. Its files are written once per batch and read by Athena; after a month they are read
# rarely (old dashboards, audits), so they move to Infrequent Access; Athena reads IA as usual.
resource "aws_s3_bucket" "lake" {
  bucket = "${local.prefix}-lake-${local.account_id}"
}

resource "aws_s3_bucket_ownership_controls" "lake" {
  bucket = aws_s3_bucket.lake.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "lake" {
  bucket                  = aws_s3_bucket.lake.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "lake" {
  bucket = aws_s3_bucket.lake.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "lake" {
  bucket = aws_s3_bucket.lake.id

  rule {
    id     = "usage-to-infrequent-access"
    status = "Enabled"
    filter {
      prefix = "usage/"
    }
    transition {
      days          = 30
      storage_class = "STANDARD_IA"
    }
  }

  # Athena's query results are scratch: a week is plenty to download one.
  rule {
    id     = "expire-athena-results"
    status = "Enabled"
    filter {
      prefix = "athena-results/"
    }
    expiration {
      days = 7
    }
  }
}

resource "aws_glue_catalog_database" "usage" {
  name = replace("${local.prefix}_usage", "-", "_")
}

resource "aws_glue_catalog_table" "usage_events" {
  name          = "usage_events"
  database_name = aws_glue_catalog_database.usage.name
  table_type    = "EXTERNAL_TABLE"

  parameters = {
    EXTERNAL                              = "TRUE"
    classification                        = "parquet"
    "parquet.compression"                 = "SNAPPY"
    "projection.enabled"                  = "true"
    "projection.event_date.type"          = "date"
    "projection.event_date.format"        = "yyyy-MM-dd"
    "projection.event_date.range"         = "2026-01-01,NOW"
    "projection.event_date.interval"      = "1"
    "projection.event_date.interval.unit" = "DAYS"
    "projection.event_type.type"          = "enum"
    "projection.event_type.values"        = join(",", local.usage_event_types)
    "storage.location.template"           = "s3://${aws_s3_bucket.lake.bucket}/usage/event_date=$${event_date}/event_type=$${event_type}/"
  }

  partition_keys {
    name = "event_date"
    type = "string"
  }

  partition_keys {
    name = "event_type"
    type = "string"
  }

  storage_descriptor {
    location      = "s3://${aws_s3_bucket.lake.bucket}/usage/"
    input_format  = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
    output_format = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"

    ser_de_info {
      serialization_library = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
    }

    dynamic "columns" {
      for_each = local.usage_columns
      content {
        name = columns.value.name
        type = columns.value.type
      }
    }
  }
}

resource "aws_athena_workgroup" "usage" {
  name = "${local.prefix}-usage"

  configuration {
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true
    # A runaway dashboard query stops at 10 GB scanned (about 5 USD).
    bytes_scanned_cutoff_per_query = 10737418240

    result_configuration {
      output_location = "s3://${aws_s3_bucket.lake.bucket}/athena-results/"
      encryption_configuration {
        encryption_option = "SSE_S3"
      }
    }
  }
}

resource "aws_athena_named_query" "usage" {
  for_each = toset(local.usage_named_queries)

  name      = each.key
  workgroup = aws_athena_workgroup.usage.id
  database  = aws_glue_catalog_database.usage.name
  query     = file("${path.module}/../../services/metrics/queries/${each.key}.sql")
}
