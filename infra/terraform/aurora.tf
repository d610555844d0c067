resource "aws_db_subnet_group" "aurora" {
  name       = local.prefix
  subnet_ids = aws_subnet.private[*].id
}

resource "aws_rds_cluster" "main" {
  cluster_identifier = local.prefix
  engine             = "aurora-postgresql"
  engine_mode        = "provisioned"
  engine_version     = var.aurora_engine_version
  database_name      = var.db_name
  master_username    = "karaoke_admin"

  # RDS keeps the master credentials in a Secrets Manager secret and rotates them; the Data API
  # reads that secret on every call, so rotation needs no redeploy.
  manage_master_user_password = true

  # The RDS Data API: the functions send SQL over HTTPS and need no VPC, connection pool or driver.
  enable_http_endpoint = true

  db_subnet_group_name   = aws_db_subnet_group.aurora.name
  vpc_security_group_ids = [aws_security_group.aurora.id]
  storage_encrypted      = true

  serverlessv2_scaling_configuration {
    min_capacity = var.aurora_min_capacity
    max_capacity = var.aurora_max_capacity
  }

  backup_retention_period         = var.aurora_backup_retention_days
  copy_tags_to_snapshot           = true
  deletion_protection             = var.deletion_protection
  skip_final_snapshot             = !var.deletion_protection
  final_snapshot_identifier       = "${local.prefix}-final"
  enabled_cloudwatch_logs_exports = ["postgresql"]
}

resource "aws_rds_cluster_instance" "main" {
  count = var.aurora_instance_count

  identifier           = "${local.prefix}-${count.index}"
  cluster_identifier   = aws_rds_cluster.main.id
  instance_class       = "db.serverless"
  engine               = aws_rds_cluster.main.engine
  engine_version       = aws_rds_cluster.main.engine_version
  db_subnet_group_name = aws_db_subnet_group.aurora.name

  performance_insights_enabled = true
  auto_minor_version_upgrade   = true
}

# The outbox trigger wakes the change-publisher with aws_lambda.invoke(..., 'Event'). Aurora makes
# that call with this role, which may invoke that one function and nothing else. The function
# need not exist yet: IAM policies may name resources that do not exist.
data "aws_iam_policy_document" "aurora_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["rds.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "aurora_invoke_publisher" {
  name               = "${local.prefix}-aurora-invoke-publisher"
  assume_role_policy = data.aws_iam_policy_document.aurora_assume.json
}

data "aws_iam_policy_document" "aurora_invoke_publisher" {
  statement {
    actions   = ["lambda:InvokeFunction"]
    resources = [local.change_publisher_arn]
  }
}

resource "aws_iam_role_policy" "aurora_invoke_publisher" {
  name   = "invoke-change-publisher"
  role   = aws_iam_role.aurora_invoke_publisher.id
  policy = data.aws_iam_policy_document.aurora_invoke_publisher.json
}

resource "aws_rds_cluster_role_association" "invoke_publisher" {
  db_cluster_identifier = aws_rds_cluster.main.id
  feature_name          = "Lambda"
  role_arn              = aws_iam_role.aurora_invoke_publisher.arn
}

# The functions connect through the Data API as karaoke_app, not as the master user: it reads and
# writes rows (and invokes the change-publisher through the outbox trigger), and cannot change the
# schema, create roles or read other databases. Migrations keep running as the master user
# (output db_secret_arn). The role itself is created in the database once, after the first
# migrations, with the SQL of `terraform output -raw db_app_user_sql` (README.md).
locals {
  db_app_user = "karaoke_app"
}

resource "random_password" "db_app" {
  length  = 40
  special = false
}

resource "aws_secretsmanager_secret" "db_app" {
  name        = "${local.prefix}/db-app"
  description = "Karaoke Suite ${var.stage}: the functions' database user (the Data API reads it on every call)"
}

resource "aws_secretsmanager_secret_version" "db_app" {
  secret_id = aws_secretsmanager_secret.db_app.id
  secret_string = jsonencode({
    engine   = "postgres"
    host     = aws_rds_cluster.main.endpoint
    port     = aws_rds_cluster.main.port
    dbname   = aws_rds_cluster.main.database_name
    username = local.db_app_user
    password = random_password.db_app.result
  })
}
