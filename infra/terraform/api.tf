# Two HTTP APIs, so that the public domain can never reach a service:
#
# - the public API, which Serverless creates from the BFF's `httpApi` events (serverless.yml): the
#   BFF's routes only. Its optional custom domain, certificate, DNS record and mapping live here.
#   Its stage's throttling comes from this module's variables through SSM (ssm.tf; serverless.yml
#   applies it to the stage it creates, HttpApiStage).
# - the internal API, created here: `/internal/<service>/{proxy+}` to each service's function,
#   every route AWS_IAM-authorised, reached only by the BFF (the one role granted
#   execute-api:Invoke on it, serverless.yml) at its execute-api URL (SERVICES_BASE_URL).
#
# Why a separate API rather than routes without a mapping: a domain mapping maps a whole API stage,
# every route on it, so internal routes on the public API would answer on the public domain too
# (IAM would still refuse unsigned calls, but any principal of the account with Invoke could call,
# and the routes would be one mistake away from public). No mapping ever names the internal API,
# and its throttling is separate from the public one, so a flood of public requests cannot take
# the services' capacity and the BFF's fan-out does not count against public callers.

locals {
  custom_domain = var.api_domain_name != ""
  # Serverless v3 names the HTTP API <stage>-<service> and deploys it to the `$default` stage.
  http_api_name = "${var.stage}-karaoke-suite"
}

resource "aws_acm_certificate" "api" {
  count = local.custom_domain ? 1 : 0

  domain_name       = var.api_domain_name
  validation_method = "DNS"

  lifecycle {
    create_before_destroy = true

    precondition {
      condition     = var.api_hosted_zone_id != ""
      error_message = "api_domain_name is set, so api_hosted_zone_id is needed for the certificate validation and the DNS record."
    }
  }
}

resource "aws_route53_record" "api_certificate_validation" {
  for_each = {
    for option in flatten(aws_acm_certificate.api[*].domain_validation_options) :
    option.domain_name => option
  }

  zone_id         = var.api_hosted_zone_id
  name            = each.value.resource_record_name
  type            = each.value.resource_record_type
  records         = [each.value.resource_record_value]
  ttl             = 300
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "api" {
  count = local.custom_domain ? 1 : 0

  certificate_arn         = aws_acm_certificate.api[0].arn
  validation_record_fqdns = [for record in aws_route53_record.api_certificate_validation : record.fqdn]
}

resource "aws_apigatewayv2_domain_name" "api" {
  count = local.custom_domain ? 1 : 0

  domain_name = var.api_domain_name

  domain_name_configuration {
    certificate_arn = aws_acm_certificate_validation.api[0].certificate_arn
    endpoint_type   = "REGIONAL"
    security_policy = "TLS_1_2"
  }
}

resource "aws_route53_record" "api" {
  count = local.custom_domain ? 1 : 0

  zone_id = var.api_hosted_zone_id
  name    = var.api_domain_name
  type    = "A"

  alias {
    name                   = aws_apigatewayv2_domain_name.api[0].domain_name_configuration[0].target_domain_name
    zone_id                = aws_apigatewayv2_domain_name.api[0].domain_name_configuration[0].hosted_zone_id
    evaluate_target_health = false
  }
}

data "aws_apigatewayv2_apis" "http_api" {
  count = local.custom_domain && var.functions_deployed ? 1 : 0

  name          = local.http_api_name
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_api_mapping" "api" {
  count = local.custom_domain && var.functions_deployed ? 1 : 0

  api_id      = one(data.aws_apigatewayv2_apis.http_api[0].ids)
  domain_name = aws_apigatewayv2_domain_name.api[0].id
  stage       = "$default"
}

# The internal API. The API and its stage exist from the first apply (the BFF's SERVICES_BASE_URL
# and IAM policy name it); the routes and integrations refer to the service functions and wait for
# `functions_deployed`, like the log subscriptions.
locals {
  # The services reached through the internal API: each function serves /internal/<name>/… and is
  # called by the BFF only. terraform.test.ts checks this against serverless.yml and the contracts.
  internal_services = ["catalog", "singers", "rotations", "performances", "playlists"]
  internal_base_url = aws_apigatewayv2_stage.internal.invoke_url
}

resource "aws_apigatewayv2_api" "internal" {
  name          = "${local.prefix}-internal"
  protocol_type = "HTTP"
  description   = "Karaoke Suite ${var.stage}: the services' internal routes, called by the BFF only (IAM-signed)"
}

resource "aws_apigatewayv2_stage" "internal" {
  api_id      = aws_apigatewayv2_api.internal.id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_rate_limit  = var.internal_api_throttling_rate_limit
    throttling_burst_limit = var.internal_api_throttling_burst_limit
  }
}

resource "aws_apigatewayv2_integration" "internal" {
  for_each = var.functions_deployed ? toset(local.internal_services) : toset([])

  api_id                 = aws_apigatewayv2_api.internal.id
  integration_type       = "AWS_PROXY"
  integration_uri        = "${local.function_arn_prefix}-${each.key}"
  payload_format_version = "2.0"
  timeout_milliseconds   = 29000
}

resource "aws_apigatewayv2_route" "internal" {
  for_each = var.functions_deployed ? toset(local.internal_services) : toset([])

  api_id             = aws_apigatewayv2_api.internal.id
  route_key          = "ANY /internal/${each.key}/{proxy+}"
  target             = "integrations/${aws_apigatewayv2_integration.internal[each.key].id}"
  authorization_type = "AWS_IAM"
}

resource "aws_lambda_permission" "internal" {
  for_each = var.functions_deployed ? toset(local.internal_services) : toset([])

  statement_id  = "InternalHttpApi"
  action        = "lambda:InvokeFunction"
  function_name = "${local.function_arn_prefix}-${each.key}"
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.internal.execution_arn}/*/*/internal/${each.key}/*"
}
