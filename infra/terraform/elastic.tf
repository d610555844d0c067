# Elasticsearch and Kibana on Elastic Cloud. Not Amazon OpenSearch: the @elastic/elasticsearch 8.x
# client refuses servers that do not answer as Elasticsearch.
#
# No traffic filter: catalog and logs-shipper run outside the VPC and have no fixed egress
# addresses (the BFF and search-indexer reach it through the NAT gateway), so an IP filter would
# have to allow all of Lambda's ranges anyway.

data "ec_stack" "selected" {
  version_regex = var.elastic_version_regex
  region        = var.elastic_region
}

resource "ec_deployment" "search" {
  name                   = local.prefix
  region                 = var.elastic_region
  version                = data.ec_stack.selected.version
  deployment_template_id = var.elastic_deployment_template_id

  elasticsearch = {
    hot = {
      size        = var.elasticsearch_size
      zone_count  = var.elasticsearch_zone_count
      autoscaling = {}
    }
  }

  # Kibana for the ops dashboards (logs-shipper/kibana/saved-objects.ndjson).
  kibana = {
    size       = "1g"
    zone_count = 1
  }

  tags = {
    project = "karaoke-suite"
    stage   = var.stage
  }

  lifecycle {
    # A newly advertised 8.x release must not upgrade the cluster as a side effect of an apply.
    ignore_changes = [version]
  }
}

# The functions connect as this user, not as `elastic`: it can manage the song and log indices
# (create, alias swaps for reindex, index templates) and read cluster health, nothing else.
resource "elasticstack_elasticsearch_security_role" "app" {
  name    = "karaoke-suite-app"
  cluster = ["monitor", "manage_index_templates"]

  indices {
    names      = ["songs*", "karaoke-logs-*"]
    privileges = ["all"]
  }
}

# Letters and digits only, so it can sit in the URL's userinfo without escaping.
resource "random_password" "elasticsearch_app" {
  length  = 40
  special = false
}

resource "elasticstack_elasticsearch_security_user" "app" {
  username = "karaoke-suite-${var.stage}"
  password = random_password.elasticsearch_app.result
  roles    = [elasticstack_elasticsearch_security_role.app.name]
}

locals {
  # The client takes basic-auth credentials from the URL's userinfo (ELASTICSEARCH_URL is the only
  # Elasticsearch setting serverless.yml passes to the functions).
  elasticsearch_url = replace(
    ec_deployment.search.elasticsearch.https_endpoint,
    "https://",
    "https://${elasticstack_elasticsearch_security_user.app.username}:${random_password.elasticsearch_app.result}@",
  )
}
