provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project   = "karaoke-suite"
      Stage     = var.stage
      ManagedBy = "terraform"
    }
  }
}

# Reads EC_API_KEY from the environment, so the Elastic Cloud key never lands in a tfvars file.
provider "ec" {}

# Talks to the deployment created here with the `elastic` superuser, only to create the
# least-privileged user the functions connect as (elastic.tf).
provider "elasticstack" {
  elasticsearch {
    endpoints = [ec_deployment.search.elasticsearch.https_endpoint]
    username  = ec_deployment.search.elasticsearch_username
    password  = ec_deployment.search.elasticsearch_password
  }
}
