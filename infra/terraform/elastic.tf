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

# The functions connect as one of three users, never as `elastic`, each with only what its
# functions do (terraform.test.ts checks the split):
# - search: the catalog's searches and the BFF's health check read the song aliases and cluster health;
# - index: the search-indexer (and `npm run reindex`) creates song indices, writes, swaps aliases;
# - logs: the logs-shipper installs the log index template and appends to the daily log indices.
locals {
  elasticsearch_users = {
    search = {
      cluster = ["monitor"]
      indices = [{ names = ["songs*"], privileges = ["read", "view_index_metadata"] }]
    }
    index = {
      cluster = ["monitor"]
      indices = [{ names = ["songs*"], privileges = ["create_index", "read", "write", "view_index_metadata", "manage"] }]
    }
    logs = {
      cluster = ["monitor", "manage_index_templates"]
      indices = [{ names = ["karaoke-logs-*"], privileges = ["create_index", "create_doc", "auto_configure", "view_index_metadata"] }]
    }
  }
}

resource "elasticstack_elasticsearch_security_role" "app" {
  for_each = local.elasticsearch_users

  name    = "karaoke-suite-${each.key}"
  cluster = each.value.cluster

  dynamic "indices" {
    for_each = each.value.indices
    content {
      names      = indices.value.names
      privileges = indices.value.privileges
    }
  }
}

# Letters and digits only, so it can sit in the URL's userinfo without escaping.
resource "random_password" "elasticsearch" {
  for_each = local.elasticsearch_users

  length  = 40
  special = false
}

resource "elasticstack_elasticsearch_security_user" "app" {
  for_each = local.elasticsearch_users

  username = "karaoke-suite-${var.stage}-${each.key}"
  password = random_password.elasticsearch[each.key].result
  roles    = [elasticstack_elasticsearch_security_role.app[each.key].name]
}

locals {
  # The client takes basic-auth credentials from the URL's userinfo; each URL is a SecureString
  # parameter (ssm.tf) that only its functions may read.
  elasticsearch_urls = {
    for user in keys(local.elasticsearch_users) : user => replace(
      ec_deployment.search.elasticsearch.https_endpoint,
      "https://",
      "https://${elasticstack_elasticsearch_security_user.app[user].username}:${random_password.elasticsearch[user].result}@",
    )
  }
}
