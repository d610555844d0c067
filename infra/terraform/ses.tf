# Pitch e-mails: each recipient's link goes out through SES (v2) from one sender address, whose
# domain is a verified identity. The DKIM records SES answers must be published in the domain's
# DNS (output pitch_mail_dkim_records) before SES sends; a new account also starts in the SES
# sandbox (recipients must be verified) until production access is granted.

variable "pitch_mail_domain" {
  description = "Domain pitch e-mails are sent from (an SES domain identity with DKIM), e.g. karaoke.example"
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$", var.pitch_mail_domain))
    error_message = "pitch_mail_domain must be a lower-case domain name such as karaoke.example."
  }
}

variable "pitch_mail_from" {
  description = "Sender address of pitch e-mails, at pitch_mail_domain, e.g. pitches@karaoke.example"
  type        = string

  validation {
    condition     = can(regex("^[^@\\s]+@[^@\\s]+$", var.pitch_mail_from))
    error_message = "pitch_mail_from must be an e-mail address."
  }
}

resource "aws_sesv2_email_identity" "pitch_mail" {
  email_identity = var.pitch_mail_domain

  dkim_signing_attributes {
    next_signing_key_length = "RSA_2048_BIT"
  }

  lifecycle {
    precondition {
      condition     = endswith(var.pitch_mail_from, "@${var.pitch_mail_domain}")
      error_message = "pitch_mail_from must be an address at pitch_mail_domain."
    }
  }
}

output "pitch_mail_dkim_records" {
  description = "CNAME records to publish for the sender domain's DKIM (name → value)"
  value = {
    for token in aws_sesv2_email_identity.pitch_mail.dkim_signing_attributes[0].tokens :
    "${token}._domainkey.${var.pitch_mail_domain}" => "${token}.dkim.amazonses.com"
  }
}

# Keys of the pitch feature: sealing links of queued retries (AES-256-GCM, 32 bytes), signing the
# unlock cookie (HMAC), and keying recipients' hash in usage events. Generated once; Terraform
# state holds them in clear text, as it holds the other credentials (see README.md). SecureString:
# the functions read them at cold start (`<NAME>_SSM_PARAMETER`), never from their environment.
resource "random_id" "pitch_mail_key" {
  byte_length = 32
}

resource "random_password" "pitch_cookie_key" {
  length  = 48
  special = false
}

resource "random_password" "usage_recipient_key" {
  length  = 48
  special = false
}

resource "aws_ssm_parameter" "pitch_mail_from" {
  name  = "${local.ssm_prefix}/pitch/mail-from"
  type  = "String"
  value = var.pitch_mail_from
}

resource "aws_ssm_parameter" "pitch_mail_identity" {
  name  = "${local.ssm_prefix}/pitch/mail-identity"
  type  = "String"
  value = aws_sesv2_email_identity.pitch_mail.email_identity
}

resource "aws_ssm_parameter" "pitch_mail_key" {
  name  = "${local.ssm_prefix}/pitch/mail-key"
  type  = "SecureString"
  value = random_id.pitch_mail_key.b64_std
}

resource "aws_ssm_parameter" "pitch_cookie_key" {
  name  = "${local.ssm_prefix}/pitch/cookie-key"
  type  = "SecureString"
  value = random_password.pitch_cookie_key.result
}

resource "aws_ssm_parameter" "usage_recipient_key" {
  name  = "${local.ssm_prefix}/usage/recipient-key"
  type  = "SecureString"
  value = random_password.usage_recipient_key.result
}
