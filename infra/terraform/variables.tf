variable "stage" {
  description = "Deployment stage; must equal the `--stage` given to `serverless deploy`, since names and SSM paths are built from it."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,15}$", var.stage))
    error_message = "stage: lowercase letters, digits and dashes, at most 16 characters (it ends up in bucket, cluster and domain names)."
  }
}

variable "region" {
  description = "AWS region; must equal the `--region` given to `serverless deploy` (serverless.yml defaults to eu-west-1)."
  type        = string
  default     = "eu-west-1"
}

variable "functions_deployed" {
  description = "Set to true once `serverless deploy` has created the functions for this stage: it turns on what refers to them (log subscription filters, the Cognito post-confirmation trigger, the invoke permissions, the API mapping of a custom domain)."
  type        = bool
  default     = false
}

variable "deletion_protection" {
  description = "Protects the Aurora cluster and the user pool from `terraform destroy`; turn off only for throwaway stages."
  type        = bool
  default     = true
}

# --- public URL and custom domain ---------------------------------------------------------------

variable "api_domain_name" {
  description = "Custom domain of the HTTP API, e.g. api.karaoke.example. When set, Terraform creates the certificate, the API Gateway domain and its DNS record, and the public base URL is https://<this domain>."
  type        = string
  default     = ""
}

variable "api_hosted_zone_id" {
  description = "Route 53 hosted zone that holds api_domain_name (for the certificate validation and the alias record)."
  type        = string
  default     = ""
}

variable "public_base_url" {
  description = "Public URL of the BFF when there is no custom domain, e.g. the HTTP API's https://<id>.execute-api.<region>.amazonaws.com (see README.md for the first deploy). Ignored when api_domain_name is set."
  type        = string
  default     = ""

  validation {
    condition     = var.public_base_url == "" || can(regex("^https://[^/]+", var.public_base_url))
    error_message = "public_base_url must be an https:// URL."
  }
}

variable "cors_origins" {
  description = "Front-end origins (scheme://host[:port]) allowed to call the BFF with the session cookie and to upload to the media bucket with presigned URLs."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for origin in var.cors_origins : can(regex("^https?://[^/]+$", origin))])
    error_message = "cors_origins: origins only (scheme://host[:port]), no path or trailing slash."
  }
}

# --- network ------------------------------------------------------------------------------------

variable "vpc_cidr" {
  description = "CIDR block of the VPC; /16 leaves room for a /20 of Lambda ENIs per availability zone."
  type        = string
  default     = "10.40.0.0/16"
}

variable "availability_zone_count" {
  description = "Availability zones to spread subnets over (Aurora and a Multi-AZ Redis need at least 2)."
  type        = number
  default     = 2

  validation {
    condition     = var.availability_zone_count >= 2 && var.availability_zone_count <= 4
    error_message = "availability_zone_count must be between 2 and 4."
  }
}

variable "nat_gateway_per_zone" {
  description = "One NAT gateway per availability zone (survives a zone outage) instead of one shared NAT gateway (cheaper)."
  type        = bool
  default     = false
}

# --- Aurora -------------------------------------------------------------------------------------

variable "db_name" {
  description = "Name of the application database inside the cluster."
  type        = string
  default     = "karaoke"
}

variable "aurora_engine_version" {
  description = "Aurora PostgreSQL version; the Data API on Serverless v2 needs 13.12, 14.9, 15.4, 16.1 or later."
  type        = string
  default     = "16.6"
}

variable "aurora_min_capacity" {
  description = "Minimum Aurora capacity units of each Serverless v2 instance."
  type        = number
  default     = 0.5
}

variable "aurora_max_capacity" {
  description = "Maximum Aurora capacity units of each Serverless v2 instance."
  type        = number
  default     = 4
}

variable "aurora_instance_count" {
  description = "Serverless v2 instances in the cluster: 1 is a writer only, 2 or more adds readers that can take over."
  type        = number
  default     = 1
}

variable "aurora_backup_retention_days" {
  description = "Days of automated backups (point-in-time recovery window)."
  type        = number
  default     = 7
}

# --- Redis --------------------------------------------------------------------------------------

variable "redis_engine_version" {
  description = "ElastiCache for Redis OSS engine version."
  type        = string
  default     = "7.1"
}

variable "redis_node_type" {
  description = "ElastiCache node type."
  type        = string
  default     = "cache.t4g.small"
}

variable "redis_node_count" {
  description = "Nodes in the replication group: 1 is a primary only, 2 or more adds replicas and automatic Multi-AZ failover."
  type        = number
  default     = 2
}

# --- Elastic Cloud ------------------------------------------------------------------------------

variable "elastic_region" {
  description = "Elastic Cloud region of the deployment; keep it next to the AWS region (Elastic Cloud region ids: https://www.elastic.co/guide/en/cloud/current/ec-regions-templates-instances.html)."
  type        = string
  default     = "eu-west-1"
}

variable "elastic_version_regex" {
  description = "Elastic Stack version to deploy, as an ec_stack version regex (the newest advertised match wins). Stays on 8.x: the @elastic/elasticsearch client is pinned to the server's major."
  type        = string
  default     = "^8\\.\\d+\\.\\d+$"
}

variable "elastic_deployment_template_id" {
  description = "Elastic Cloud deployment template."
  type        = string
  default     = "aws-general-purpose"
}

variable "elasticsearch_size" {
  description = "Memory per Elasticsearch hot node, in the \"<n>g\" notation."
  type        = string
  default     = "2g"
}

variable "elasticsearch_zone_count" {
  description = "Availability zones the Elasticsearch hot tier spans (1 for dev, 2 or 3 for production)."
  type        = number
  default     = 1
}

# --- Cognito and Okta ---------------------------------------------------------------------------

variable "cognito_domain_prefix" {
  description = "Prefix of the Cognito hosted UI domain (<prefix>.auth.<region>.amazoncognito.com); must be unique in the region. Defaults to karaoke-suite-<stage>-<account id>."
  type        = string
  default     = ""
}

variable "self_sign_up" {
  description = "Whether singers may sign up themselves; false makes accounts admin-created (or federated) only."
  type        = bool
  default     = true
}

variable "okta_issuer" {
  description = "Okta issuer URL (e.g. https://example.okta.com/oauth2/default). Empty: no Okta identity provider."
  type        = string
  default     = ""
}

variable "okta_client_id" {
  description = "Client id of the Okta OIDC app that federates into the user pool."
  type        = string
  default     = ""
}

variable "okta_client_secret" {
  description = "Client secret of the Okta OIDC app."
  type        = string
  default     = ""
  sensitive   = true
}

# Throttling of the API Gateway stages (every route's default). The public API's answer beyond it is
# 429 before any function runs; the BFF's own per-user and per-address limits work inside it.
variable "api_throttling_rate_limit" {
  description = "Steady requests per second the public HTTP API's stage lets through, all routes together."
  type        = number
  default     = 200
}

variable "api_throttling_burst_limit" {
  description = "Requests the public HTTP API's stage lets through at once above the steady rate."
  type        = number
  default     = 400
}

# A BFF request makes up to a handful of service calls (GET /api/me makes four), hence more room.
variable "internal_api_throttling_rate_limit" {
  description = "Steady requests per second the internal HTTP API's stage (BFF to services) lets through."
  type        = number
  default     = 1000
}

variable "internal_api_throttling_burst_limit" {
  description = "Requests the internal HTTP API's stage lets through at once above the steady rate."
  type        = number
  default     = 2000
}

variable "actor_token_signing_key" {
  description = "Which of the two actor-token keys (a or b) the BFF signs with; the services accept both. Flip it to rotate (README.md)."
  type        = string
  default     = "a"

  validation {
    condition     = contains(["a", "b"], var.actor_token_signing_key)
    error_message = "actor_token_signing_key is a or b."
  }
}
