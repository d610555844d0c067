# Sign-in: a Cognito user pool (with Okta federated as an OIDC provider when configured). The BFF is
# the pool's OAuth client: authorization code with PKCE and a client secret, tokens kept server
# side in the Redis session.
#
# No resource server: Cognito access tokens carry the app client id in `client_id` and no `aud`,
# and bff/auth/bearer.ts compares `client_id` when `aud` is absent, so serverless.yml sets
# OIDC_AUDIENCE to the client id. Custom scopes would change nothing in that check.

locals {
  # The roles the API knows (bff/auth/principal.ts ROLES); Cognito puts them in `cognito:groups`.
  user_groups = {
    singer  = "Signs in, keeps favourites and playlists, requests songs at karaoke nights"
    kj      = "Runs karaoke nights: opens events, orders and advances the rotation"
    curator = "Adds and edits tracks and their media"
    admin   = "Passes every role check"
  }

  cognito_domain_prefix = var.cognito_domain_prefix != "" ? var.cognito_domain_prefix : "${local.prefix}-${local.account_id}"
  okta_enabled          = var.okta_issuer != ""
}

resource "aws_cognito_user_pool" "main" {
  name = local.prefix

  username_attributes      = ["email"]
  auto_verified_attributes = ["email"]
  deletion_protection      = var.deletion_protection ? "ACTIVE" : "INACTIVE"

  admin_create_user_config {
    allow_admin_create_user_only = !var.self_sign_up
  }

  password_policy {
    minimum_length                   = 12
    require_lowercase                = true
    require_uppercase                = true
    require_numbers                  = true
    require_symbols                  = false
    temporary_password_validity_days = 7
  }

  mfa_configuration = "OPTIONAL"

  software_token_mfa_configuration {
    enabled = true
  }

  account_recovery_setting {
    recovery_mechanism {
      name     = "verified_email"
      priority = 1
    }
  }

  # Creates the singer whose id is the new user's `sub` (services/singers/post-confirmation.ts).
  # Attached only once Serverless has deployed the function; until then the BFF creates the
  # singer at first sign-in, so nobody is left without one.
  dynamic "lambda_config" {
    for_each = var.functions_deployed ? [1] : []

    content {
      post_confirmation = local.post_confirmation_arn
    }
  }
}

resource "aws_lambda_permission" "post_confirmation" {
  count = var.functions_deployed ? 1 : 0

  statement_id  = "CognitoPostConfirmation"
  action        = "lambda:InvokeFunction"
  function_name = local.post_confirmation_arn
  principal     = "cognito-idp.amazonaws.com"
  source_arn    = aws_cognito_user_pool.main.arn
}

resource "aws_cognito_user_group" "role" {
  for_each = local.user_groups

  user_pool_id = aws_cognito_user_pool.main.id
  name         = each.key
  description  = each.value
}

# The hosted sign-in pages; the issuer's discovery document points the BFF at them.
resource "aws_cognito_user_pool_domain" "main" {
  user_pool_id = aws_cognito_user_pool.main.id
  domain       = local.cognito_domain_prefix
}

resource "aws_cognito_identity_provider" "okta" {
  count = local.okta_enabled ? 1 : 0

  user_pool_id  = aws_cognito_user_pool.main.id
  provider_name = "Okta"
  provider_type = "OIDC"

  provider_details = {
    oidc_issuer               = var.okta_issuer
    client_id                 = var.okta_client_id
    client_secret             = var.okta_client_secret
    authorize_scopes          = "openid profile email"
    attributes_request_method = "GET"
  }

  attribute_mapping = {
    username       = "sub"
    email          = "email"
    email_verified = "email_verified"
    name           = "name"
  }

  lifecycle {
    precondition {
      condition     = var.okta_client_id != "" && var.okta_client_secret != ""
      error_message = "okta_issuer is set, so okta_client_id and okta_client_secret are needed too."
    }
  }
}

resource "aws_cognito_user_pool_client" "bff" {
  name         = "${local.prefix}-bff"
  user_pool_id = aws_cognito_user_pool.main.id

  # A confidential client: the BFF keeps the secret and the tokens on the server.
  generate_secret = true

  # Authorization code only; Cognito enforces PKCE when the request carries a code_challenge,
  # which the BFF always sends.
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_flows                  = ["code"]
  allowed_oauth_scopes                 = ["openid", "profile", "email"]
  supported_identity_providers         = concat(["COGNITO"], aws_cognito_identity_provider.okta[*].provider_name)

  callback_urls = ["${local.public_base_url}/auth/callback"]
  # Exactly where the BFF sends the browser after sign-out (`<PUBLIC_BASE_URL>/`, bff/routes/auth.ts).
  logout_urls = ["${local.public_base_url}/"]

  # No password or SRP flows: users sign in on the hosted pages only.
  explicit_auth_flows = ["ALLOW_REFRESH_TOKEN_AUTH"]

  prevent_user_existence_errors = "ENABLED"
  enable_token_revocation       = true

  access_token_validity  = 60
  id_token_validity      = 60
  refresh_token_validity = 30

  token_validity_units {
    access_token  = "minutes"
    id_token      = "minutes"
    refresh_token = "days"
  }

  lifecycle {
    precondition {
      condition     = local.public_base_url != ""
      error_message = "Set api_domain_name or public_base_url: the sign-in callback is <public base URL>/auth/callback."
    }
  }
}

locals {
  oidc_issuer = "https://${aws_cognito_user_pool.main.endpoint}"
  # The hosted UI's sign-out, which Cognito's discovery document does not name (OIDC_LOGOUT_URL).
  cognito_logout_url = "https://${aws_cognito_user_pool_domain.main.domain}.auth.${var.region}.amazoncognito.com/logout"
}
