# Serverless creates the HTTP API itself (serverless.yml, `httpApi` events). What it does not
# create lives here: an optional custom domain, its certificate and DNS record, and, once the API
# exists, the mapping of the domain to it. The BFF's own calls to the services keep using the
# execute-api URL (SERVICES_BASE_URL), so the mapping is only for browsers and API clients.

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
