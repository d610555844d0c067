import { AwsClient } from 'aws4fetch';
import type { RequestSigner } from './service-client.ts';

/**
 * SigV4-signs requests for API Gateway's IAM-authorised internal routes with the Lambda's own
 * role credentials (from the environment the Lambda runtime sets).
 */
export function sigV4Signer(region: string): RequestSigner {
  const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new Error(
      'SigV4 signing needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (set by the Lambda runtime)',
    );
  }
  const client = new AwsClient({
    accessKeyId,
    secretAccessKey,
    ...(process.env.AWS_SESSION_TOKEN ? { sessionToken: process.env.AWS_SESSION_TOKEN } : {}),
    service: 'execute-api',
    region,
  });
  return (request) => client.sign(request);
}
