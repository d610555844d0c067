# A dev stage; copy to <stage>.tfvars (ignored by git) and pass with -var-file.
stage  = "dev"
region = "eu-west-1"

api_domain_name    = "api.dev.karaoke.example"
api_hosted_zone_id = "Z0000000000000000000"
cors_origins       = ["https://dev.karaoke.example"]

# true once `serverless deploy` has run for the stage (README.md, "Order of a first deploy").
functions_deployed = false

deletion_protection = false

# Pitch e-mails (ses.tf): the sender's domain becomes an SES identity; publish its DKIM records.
pitch_mail_domain = "karaoke.example"
pitch_mail_from   = "pitches@karaoke.example"
