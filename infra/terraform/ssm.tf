# What serverless.yml reads at deploy time (`resources.Parameters`): CloudFormation resolves these
# names when it creates or updates the stack, so packaging needs no AWS access and the two tools
# share nothing but this naming. terraform.test.ts checks that every parameter serverless.yml
# names is created here.
#
# Those are String (or StringList) parameters and hold nothing secret: CloudFormation's SSM
# parameter types cannot resolve SecureString, and what they resolve lands in the functions'
# environment, visible to anyone who may read a function's configuration. Secrets are SecureString
# parameters below (`secret_parameters`), which no stack reads: each function is given the name
# of the ones it needs (`<NAME>_SSM_PARAMETER`), reads them at cold start (services/lib/secrets.ts)
# and may read only those (its IAM role in serverless.yml).

locals {
  ssm_parameters = {
    "db/cluster-arn"                   = aws_rds_cluster.main.arn
    "db/secret-arn"                    = aws_secretsmanager_secret.db_app.arn
    "db/name"                          = aws_rds_cluster.main.database_name
    "media/bucket-name"                = aws_s3_bucket.media.bucket
    "events/topic-arn"                 = aws_sns_topic.changes.arn
    "notifications/topic-arn"          = aws_sns_topic.notifications.arn
    "usage/topic-arn"                  = aws_sns_topic.usage.arn
    "lake/bucket-name"                 = aws_s3_bucket.lake.bucket
    "auth/issuer"                      = local.oidc_issuer
    "auth/client-id"                   = aws_cognito_user_pool_client.bff.id
    "auth/logout-url"                  = local.cognito_logout_url
    "api/public-base-url"              = local.public_base_url
    "api/cors-origins"                 = local.cors_origins_parameter
    "network/lambda-security-group-id" = aws_security_group.lambda.id
    "api/internal-api-id"              = aws_apigatewayv2_api.internal.id
    "api/internal-base-url"            = local.internal_base_url
    "api/throttling-rate-limit"        = tostring(var.api_throttling_rate_limit)
    "api/throttling-burst-limit"       = tostring(var.api_throttling_burst_limit)
    # Public keys, on one line (the services read "\n" as a line break).
    "auth/actor-token-verify-keys" = join("", [for key in values(tls_private_key.actor_token) : replace(key.public_key_pem, "\n", "\\n")])
  }

  # The BFF allows PUBLIC_BASE_URL's origin anyway; SSM refuses empty values, so that origin
  # stands in when no other origin is configured.
  cors_origins_parameter = length(var.cors_origins) > 0 ? join(",", var.cors_origins) : local.public_base_origin
}

resource "aws_ssm_parameter" "deploy_input" {
  for_each = local.ssm_parameters

  name  = "${local.ssm_prefix}/${each.key}"
  type  = "String"
  value = each.value
}

# A List<AWS::EC2::Subnet::Id> stack parameter resolves from a StringList parameter.
resource "aws_ssm_parameter" "lambda_subnet_ids" {
  name  = "${local.ssm_prefix}/network/lambda-subnet-ids"
  type  = "StringList"
  value = join(",", aws_subnet.private[*].id)
}

# What only some functions may know, each encrypted with the AWS-managed `aws/ssm` key (a function
# that may read the parameter may decrypt it; no key grant is needed). Terraform state still holds
# the values in clear text (see README.md on keeping state). terraform.test.ts checks that every
# parameter a function names through `_SSM_PARAMETER` is here, and SecureString.
locals {
  secret_parameters = {
    "auth/client-secret"             = aws_cognito_user_pool_client.bff.client_secret
    "auth/actor-token-signing-key"   = tls_private_key.actor_token[var.actor_token_signing_key].private_key_pem_pkcs8
    "auth/session-encryption-key"    = random_bytes.session_encryption_key.base64
    "cache/redis-url"                = local.redis_url
    "search/elasticsearch-url-search" = local.elasticsearch_urls.search
    "search/elasticsearch-url-index"  = local.elasticsearch_urls.index
    "search/elasticsearch-url-logs"   = local.elasticsearch_urls.logs
  }
}

resource "aws_ssm_parameter" "secret" {
  for_each = local.secret_parameters

  name  = "${local.ssm_prefix}/${each.key}"
  type  = "SecureString"
  value = each.value
}

# Two actor-token keys (EC P-256): the BFF signs with the one var.actor_token_signing_key names, the
# services accept both, so a key is replaced without a moment where tokens are refused (README.md).
resource "tls_private_key" "actor_token" {
  for_each = toset(["a", "b"])

  algorithm   = "ECDSA"
  ecdsa_curve = "P256"
}

# AES-256-GCM key of the BFF's sessions (SESSION_ENCRYPTION_KEY); replacing it ends every session.
resource "random_bytes" "session_encryption_key" {
  length = 32
}
