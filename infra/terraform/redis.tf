# The BFF's read cache, sessions and rate limits, and the tags the cache-invalidator bumps.

locals {
  redis_port = 6379
}

resource "aws_elasticache_subnet_group" "redis" {
  name       = local.prefix
  subnet_ids = aws_subnet.private[*].id
}

# AUTH on top of the security group: the token travels only inside TLS. No special characters,
# so the token can sit in a redis:// URL without escaping.
resource "random_password" "redis_auth" {
  length  = 48
  special = false
}

resource "aws_elasticache_replication_group" "redis" {
  replication_group_id = local.prefix
  description          = "Karaoke Suite ${var.stage}: BFF read cache, sessions, rate limits"

  engine               = "redis"
  engine_version       = var.redis_engine_version
  parameter_group_name = "default.redis7"
  node_type            = var.redis_node_type
  num_cache_clusters   = var.redis_node_count
  port                 = local.redis_port

  automatic_failover_enabled = var.redis_node_count > 1
  multi_az_enabled           = var.redis_node_count > 1

  subnet_group_name  = aws_elasticache_subnet_group.redis.name
  security_group_ids = [aws_security_group.redis.id]

  at_rest_encryption_enabled = true
  transit_encryption_enabled = true
  auth_token                 = random_password.redis_auth.result

  # Sessions live here too, so keep a daily snapshot to restore from if the group is lost.
  snapshot_retention_limit = 1
}

locals {
  # rediss:// (TLS) is what ioredis needs to talk to a node with transit encryption.
  redis_url = "rediss://:${random_password.redis_auth.result}@${aws_elasticache_replication_group.redis.primary_endpoint_address}:${local.redis_port}"
}
