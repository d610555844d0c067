data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  # The naming convention shared with serverless.yml: `service: karaoke-suite` plus the stage.
  # Serverless names each function <service>-<stage>-<function> and its log group
  # /aws/lambda/<that name>; queues follow the same prefix so serverless.yml can build their ARNs.
  prefix     = "karaoke-suite-${var.stage}"
  ssm_prefix = "/karaoke-suite/${var.stage}"

  function_arn_prefix   = "arn:${local.partition}:lambda:${var.region}:${local.account_id}:function:${local.prefix}"
  change_publisher_arn  = "${local.function_arn_prefix}-change-publisher"
  post_confirmation_arn = "${local.function_arn_prefix}-singers-post-confirmation"
  logs_shipper_arn      = "${local.function_arn_prefix}-logs-shipper"

  public_base_url    = trimsuffix(var.api_domain_name != "" ? "https://${var.api_domain_name}" : var.public_base_url, "/")
  public_base_origin = try(regex("^https://[^/]+", local.public_base_url), "")
  # Origins that may call the BFF with the session cookie and upload media from a browser.
  browser_origins = distinct(compact(concat([local.public_base_origin], var.cors_origins)))
}
