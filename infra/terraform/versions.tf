terraform {
  # 1.5 for `import` blocks, the way to adopt a resource that was made by hand.
  required_version = ">= 1.5.0"

  required_providers {
    # 5.64 is the first to turn on the Data API of a Serverless v2 (provisioned) cluster.
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
    ec = {
      source  = "elastic/ec"
      version = "~> 0.12"
    }
    elasticstack = {
      source  = "elastic/elasticstack"
      version = "~> 0.11"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
    # The actor-token signing keys (EC P-256).
    tls = {
      source  = "hashicorp/tls"
      version = "~> 4.0"
    }
  }

  # Partial configuration: bucket, key, region and lock table are passed to `terraform init`
  # (see README.md), so one copy of this module serves every stage with its own state.
  backend "s3" {}
}
