# Pitch e-mails SES refused when the pitch was sent wait here (each message delayed by the sender)
# for the pitch-mailer function, which tries again until maxReceiveCount, then the dead-letter
# queue. A message holds the link sealed (AES-256-GCM), never in clear. Visibility six times the
# function's 30 s timeout.
resource "aws_sqs_queue" "pitch_mail_dead_letter" {
  name                      = "${local.prefix}-pitch-mail-dlq"
  message_retention_seconds = local.fourteen_days
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue" "pitch_mail" {
  name                       = "${local.prefix}-pitch-mail"
  visibility_timeout_seconds = 180
  sqs_managed_sse_enabled    = true

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.pitch_mail_dead_letter.arn
    maxReceiveCount     = local.max_receive_count
  })
}
