import { describe, expect, it } from 'vitest';
import type { DeadLetter } from './ports.ts';
import { deadLetterBody } from './sqs-dead-letters.ts';

const letter = (message: string): DeadLetter => ({
  kind: 'log-event',
  reason: 'mapper_parsing_exception',
  status: 400,
  attempts: 1,
  index: 'karaoke-logs-2025.01.01',
  logGroup: '/aws/lambda/karaoke-suite-dev-bff',
  logStream: 'stream',
  id: '3719',
  timestamp: 1_735_689_600_000,
  message,
});

describe('deadLetterBody', () => {
  it('keeps a letter that fits in one SQS message whole', () => {
    expect(JSON.parse(deadLetterBody(letter('short line')))).toEqual(letter('short line'));
  });

  it('cuts a line too long for SQS, saying so and naming where the whole event still is', () => {
    for (const character of ['x', '"', 'é', '😀']) {
      const line = character.repeat(400_000);
      const body = deadLetterBody(letter(line));
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(250 * 1024);
      const parsed = JSON.parse(body);
      expect(parsed).toMatchObject({ truncated: true, length: line.length, id: '3719' });
      expect(line.startsWith(parsed.message)).toBe(true);
    }
  });
});
