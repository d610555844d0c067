output "ssm_prefix" {
  description = "Where serverless.yml reads this stage's infrastructure from."
  value       = local.ssm_prefix
}

output "public_base_url" {
  description = "Public URL of the BFF; the sign-in callback is <this>/auth/callback."
  value       = local.public_base_url
}

output "db_cluster_arn" {
  description = "Aurora cluster ARN (DB_CLUSTER_ARN for `npm run migrate`)."
  value       = aws_rds_cluster.main.arn
}

output "db_secret_arn" {
  description = "Secrets Manager ARN of the master credentials (DB_SECRET_ARN for `npm run migrate`)."
  value       = aws_rds_cluster.main.master_user_secret[0].secret_arn
}

output "db_app_secret_arn" {
  description = "Secrets Manager ARN of the functions' database user (DB_SECRET_ARN of every function)."
  value       = aws_secretsmanager_secret.db_app.arn
}

# Run once after the first `npm run migrate` (as the master user), and again after rotating the
# password (README.md). Tables created by later migrations are granted by the default privileges.
output "db_app_user_sql" {
  description = "SQL that creates the functions' database user with row-level privileges only."
  sensitive   = true
  value       = <<-SQL
    DO $$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${local.db_app_user}') THEN
        CREATE ROLE ${local.db_app_user} LOGIN;
      END IF;
    END $$;
    ALTER ROLE ${local.db_app_user} WITH LOGIN PASSWORD '${random_password.db_app.result}';
    GRANT CONNECT ON DATABASE ${aws_rds_cluster.main.database_name} TO ${local.db_app_user};
    GRANT USAGE ON SCHEMA public TO ${local.db_app_user};
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${local.db_app_user};
    GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO ${local.db_app_user};
    ALTER DEFAULT PRIVILEGES FOR ROLE ${aws_rds_cluster.main.master_username} IN SCHEMA public
      GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${local.db_app_user};
    ALTER DEFAULT PRIVILEGES FOR ROLE ${aws_rds_cluster.main.master_username} IN SCHEMA public
      GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO ${local.db_app_user};
    GRANT USAGE ON SCHEMA aws_lambda TO ${local.db_app_user};
    GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA aws_lambda TO ${local.db_app_user};
  SQL
}

output "db_name" {
  description = "Application database name (DB_NAME for `npm run migrate`)."
  value       = aws_rds_cluster.main.database_name
}

# Aurora parameter groups do not accept custom settings, so the publisher's ARN is set on the
# database once, after the migrations (README.md).
output "db_wake_publisher_sql" {
  description = "SQL that lets the outbox trigger invoke the change-publisher (run once after `npm run migrate`)."
  value       = <<-SQL
    CREATE EXTENSION IF NOT EXISTS aws_lambda CASCADE;
    ALTER DATABASE ${aws_rds_cluster.main.database_name} SET karaoke.publisher_arn = '${local.change_publisher_arn}';
  SQL
}

output "oidc_issuer" {
  description = "Cognito user pool issuer (OIDC discovery at <issuer>/.well-known/openid-configuration)."
  value       = local.oidc_issuer
}

output "cognito_hosted_ui" {
  description = "Base URL of the Cognito hosted sign-in pages."
  value       = "https://${aws_cognito_user_pool_domain.main.domain}.auth.${var.region}.amazoncognito.com"
}

output "okta_redirect_uri" {
  description = "Redirect URI to register in the Okta app when Okta is federated."
  value       = "https://${aws_cognito_user_pool_domain.main.domain}.auth.${var.region}.amazoncognito.com/oauth2/idpresponse"
}

output "media_bucket" {
  description = "Media bucket name."
  value       = aws_s3_bucket.media.bucket
}

output "changes_topic_arn" {
  description = "SNS topic the change-publisher publishes outbox rows to."
  value       = aws_sns_topic.changes.arn
}

output "notifications_topic_arn" {
  description = "SNS topic of \"you're up next\" notifications."
  value       = aws_sns_topic.notifications.arn
}

output "change_queue_urls" {
  description = "SQS queues subscribed to the changes topic, by consumer."
  value       = { for name, queue in aws_sqs_queue.change : name => queue.url }
}

output "change_dead_letter_queue_urls" {
  description = "Dead-letter queues of the change queues, by consumer."
  value       = { for name, queue in aws_sqs_queue.change_dead_letter : name => queue.url }
}

output "logs_dead_letter_queue_url" {
  description = "Where the logs-shipper puts log events it could not index."
  value       = aws_sqs_queue.logs_dead_letter.url
}

output "kibana_url" {
  description = "Kibana of the Elastic Cloud deployment (sign in as `elastic`, or through Elastic Cloud)."
  value       = ec_deployment.search.kibana.https_endpoint
}

output "elasticsearch_endpoint" {
  description = "Elasticsearch endpoint, without credentials."
  value       = ec_deployment.search.elasticsearch.https_endpoint
}

output "elastic_password" {
  description = "Password of the `elastic` superuser, for Kibana and for importing the saved objects."
  value       = ec_deployment.search.elasticsearch_password
  sensitive   = true
}

output "redis_primary_endpoint" {
  description = "Primary endpoint of the Redis replication group (reachable only from the VPC)."
  value       = aws_elasticache_replication_group.redis.primary_endpoint_address
}

output "lambda_subnet_ids" {
  description = "Private subnets the VPC functions run in."
  value       = aws_subnet.private[*].id
}

output "lambda_security_group_id" {
  description = "Security group of the VPC functions."
  value       = aws_security_group.lambda.id
}

output "nat_gateway_public_ips" {
  description = "Addresses the VPC functions and Aurora reach the internet from."
  value       = aws_eip.nat[*].public_ip
}
