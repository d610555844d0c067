# What serverless.yml reads at deploy time (`resources.Parameters`): CloudFormation resolves these
# names when it creates or updates the stack, so packaging needs no AWS access and the two tools
# share nothing but this naming. terraform.test.ts checks that every parameter serverless.yml
# names is created here.
#
# All of them are String (or StringList) parameters, the credential-bearing ones included:
# CloudFormation's SSM parameter types cannot resolve SecureString.

locals {
  ssm_parameters = {
    "db/cluster-arn"                   = aws_rds_cluster.main.arn
    "db/secret-arn"                    = aws_rds_cluster.main.master_user_secret[0].secret_arn
    "db/name"                          = aws_rds_cluster.main.database_name
    "media/bucket-name"                = aws_s3_bucket.media.bucket
    "events/topic-arn"                 = aws_sns_topic.changes.arn
    "notifications/topic-arn"          = aws_sns_topic.notifications.arn
    "usage/topic-arn"                  = aws_sns_topic.usage.arn
    "lake/bucket-name"                 = aws_s3_bucket.lake.bucket
    "auth/issuer"                      = local.oidc_issuer
    "auth/client-id"                   = aws_cognito_user_pool_client.bff.id
    "api/public-base-url"              = local.public_base_url
    "api/cors-origins"                 = local.cors_origins_parameter
    "network/lambda-security-group-id" = aws_security_group.lambda.id
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

# The three below carry credentials: they stay out of the map above so that it holds nothing
# secret, and Terraform state holds them in clear text (see README.md on keeping state).

resource "aws_ssm_parameter" "oidc_client_secret" {
  name  = "${local.ssm_prefix}/auth/client-secret"
  type  = "String"
  value = aws_cognito_user_pool_client.bff.client_secret
}

resource "aws_ssm_parameter" "redis_url" {
  name  = "${local.ssm_prefix}/cache/redis-url"
  type  = "String"
  value = local.redis_url
}

resource "aws_ssm_parameter" "elasticsearch_url" {
  name  = "${local.ssm_prefix}/search/elasticsearch-url"
  type  = "String"
  value = local.elasticsearch_url
}
