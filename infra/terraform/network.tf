# The VPC exists for ElastiCache, which is reachable only from inside a VPC. Only the functions
# that talk to Redis (bff, cache-invalidator) are attached to it; everything else they call
# (Cognito, Elastic Cloud, SQS, the HTTP API, the RDS Data API, X-Ray) is on the internet side,
# hence the NAT gateway.

data "aws_availability_zones" "available" {
  state = "available"
}

locals {
  availability_zones = slice(data.aws_availability_zones.available.names, 0, var.availability_zone_count)
  nat_gateway_count  = var.nat_gateway_per_zone ? var.availability_zone_count : 1
}

resource "aws_vpc" "main" {
  cidr_block           = var.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = { Name = local.prefix }
}

resource "aws_internet_gateway" "main" {
  vpc_id = aws_vpc.main.id

  tags = { Name = local.prefix }
}

# Public /24s only hold the NAT gateways; the private /20s hold Lambda ENIs, Redis and Aurora,
# and Lambda takes one address per ENI, so they get the space.
resource "aws_subnet" "public" {
  count = var.availability_zone_count

  vpc_id            = aws_vpc.main.id
  availability_zone = local.availability_zones[count.index]
  cidr_block        = cidrsubnet(var.vpc_cidr, 8, count.index)

  tags = { Name = "${local.prefix}-public-${local.availability_zones[count.index]}" }
}

resource "aws_subnet" "private" {
  count = var.availability_zone_count

  vpc_id            = aws_vpc.main.id
  availability_zone = local.availability_zones[count.index]
  cidr_block        = cidrsubnet(var.vpc_cidr, 4, count.index + 1)

  tags = { Name = "${local.prefix}-private-${local.availability_zones[count.index]}" }
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id

  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.main.id
  }

  tags = { Name = "${local.prefix}-public" }
}

resource "aws_route_table_association" "public" {
  count = var.availability_zone_count

  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public.id
}

resource "aws_eip" "nat" {
  count = local.nat_gateway_count

  domain = "vpc"

  tags = { Name = "${local.prefix}-nat-${count.index}" }
}

resource "aws_nat_gateway" "main" {
  count = local.nat_gateway_count

  allocation_id = aws_eip.nat[count.index].id
  subnet_id     = aws_subnet.public[count.index].id

  tags = { Name = "${local.prefix}-${local.availability_zones[count.index]}" }

  depends_on = [aws_internet_gateway.main]
}

resource "aws_route_table" "private" {
  count = var.availability_zone_count

  vpc_id = aws_vpc.main.id

  route {
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = aws_nat_gateway.main[var.nat_gateway_per_zone ? count.index : 0].id
  }

  tags = { Name = "${local.prefix}-private-${local.availability_zones[count.index]}" }
}

resource "aws_route_table_association" "private" {
  count = var.availability_zone_count

  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private[count.index].id
}

# --- security groups ----------------------------------------------------------------------------

resource "aws_security_group" "lambda" {
  name        = "${local.prefix}-lambda"
  description = "Lambda functions attached to the VPC (bff, cache-invalidator)"
  vpc_id      = aws_vpc.main.id

  tags = { Name = "${local.prefix}-lambda" }
}

# Everything the VPC functions call besides Redis is HTTPS: AWS APIs, Cognito, Elastic Cloud.
resource "aws_vpc_security_group_egress_rule" "lambda_https" {
  security_group_id = aws_security_group.lambda.id
  description       = "HTTPS to AWS APIs, Cognito, Elastic Cloud and the HTTP API through the NAT gateway"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "lambda_redis" {
  security_group_id            = aws_security_group.lambda.id
  description                  = "Redis"
  ip_protocol                  = "tcp"
  from_port                    = local.redis_port
  to_port                      = local.redis_port
  referenced_security_group_id = aws_security_group.redis.id
}

resource "aws_security_group" "redis" {
  name        = "${local.prefix}-redis"
  description = "ElastiCache Redis, reachable from the VPC Lambda functions only"
  vpc_id      = aws_vpc.main.id

  tags = { Name = "${local.prefix}-redis" }
}

resource "aws_vpc_security_group_ingress_rule" "redis_from_lambda" {
  security_group_id            = aws_security_group.redis.id
  description                  = "Redis from the VPC Lambda functions"
  ip_protocol                  = "tcp"
  from_port                    = local.redis_port
  to_port                      = local.redis_port
  referenced_security_group_id = aws_security_group.lambda.id
}

# No ingress: the functions reach Aurora through the Data API, never on 5432. Egress is for the
# aws_lambda extension, which calls the Lambda API through the NAT gateway.
resource "aws_security_group" "aurora" {
  name        = "${local.prefix}-aurora"
  description = "Aurora cluster: no inbound; outbound HTTPS for aws_lambda.invoke"
  vpc_id      = aws_vpc.main.id

  tags = { Name = "${local.prefix}-aurora" }
}

resource "aws_vpc_security_group_egress_rule" "aurora_https" {
  security_group_id = aws_security_group.aurora.id
  description       = "HTTPS to the Lambda API (aws_lambda.invoke of the change-publisher)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}
