# Media (tracks, artwork). Browsers upload (presigned POST) and stream through short-lived
# presigned URLs, so the bucket stays private and only needs CORS for the front-end origins.
# Objects live under media/<song id>/<media id>; every new one is inspected by the
# media-inspector function (ObjectCreated → SQS), which deletes what it rejects.

resource "aws_s3_bucket" "media" {
  # Bucket names are global: the account id keeps stages of different accounts from colliding.
  bucket = "${local.prefix}-media-${local.account_id}"
}

resource "aws_s3_bucket_ownership_controls" "media" {
  bucket = aws_s3_bucket.media.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "media" {
  bucket = aws_s3_bucket.media.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# SSE-S3 rather than SSE-KMS: with a KMS key, every presigned GET and PUT would also need kms
# permissions on the functions' role, which serverless.yml keeps to the bucket's objects.
resource "aws_s3_bucket_server_side_encryption_configuration" "media" {
  bucket = aws_s3_bucket.media.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_versioning" "media" {
  bucket = aws_s3_bucket.media.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "media" {
  bucket = aws_s3_bucket.media.id

  rule {
    id     = "expire-replaced-versions"
    status = "Enabled"

    filter {}

    # Versions guard against an overwrite or delete by mistake, not as an archive.
    noncurrent_version_expiration {
      noncurrent_days = 30
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 2
    }
  }

  # Under media/ a delete is mostly the inspector's (rejected files, strays): the version it leaves
  # goes after a day, not 30, and so does a curator's deleted media; delete markers left alone go too.
  rule {
    id     = "expire-deleted-uploads"
    status = "Enabled"

    filter {
      prefix = "media/"
    }

    noncurrent_version_expiration {
      noncurrent_days = 1
    }

    expiration {
      expired_object_delete_marker = true
    }
  }

  depends_on = [aws_s3_bucket_versioning.media]
}

resource "aws_s3_bucket_cors_configuration" "media" {
  bucket = aws_s3_bucket.media.id

  cors_rule {
    # POST: the curator's upload form (a presigned POST); GET and HEAD: the <audio> element.
    allowed_methods = ["GET", "HEAD", "PUT", "POST"]
    allowed_origins = local.browser_origins
    # The presigned signature already fixes what may be uploaded where; the SDK adds checksum
    # and content headers that vary by version, so the header list is left open.
    allowed_headers = ["*"]
    expose_headers  = ["ETag"]
    max_age_seconds = 3600
  }
}

data "aws_iam_policy_document" "media" {
  statement {
    sid       = "TlsOnly"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.media.arn, "${aws_s3_bucket.media.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

# Every new object under media/ is reported to the media-inspector queue.
resource "aws_s3_bucket_notification" "media" {
  bucket = aws_s3_bucket.media.id

  queue {
    id            = "media-inspector"
    queue_arn     = aws_sqs_queue.media_inspector.arn
    events        = ["s3:ObjectCreated:*"]
    filter_prefix = "media/"
  }

  # S3 checks, when the notification is set, that it may send to the queue.
  depends_on = [aws_sqs_queue_policy.media_inspector]
}

resource "aws_s3_bucket_policy" "media" {
  bucket = aws_s3_bucket.media.id
  policy = data.aws_iam_policy_document.media.json

  depends_on = [aws_s3_bucket_public_access_block.media]
}
