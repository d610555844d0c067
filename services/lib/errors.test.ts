import { describe, expect, it } from 'vitest';
import {
  DatabaseError,
  DependencyError,
  NotFoundError,
  RateLimitedError,
  toProblem,
  ValidationError,
} from './errors.ts';

describe('toProblem', () => {
  it('keeps the message and field issues of a client error', () => {
    const problem = toProblem(
      new ValidationError('bad input', [{ path: 'title', message: 'required' }]),
      '/api/songs',
    );
    expect(problem).toMatchObject({
      status: 400,
      title: 'Bad Request',
      detail: 'bad input',
      instance: '/api/songs',
      issues: [{ path: 'title', message: 'required' }],
    });
    expect(problem.type).toMatch(/\/problems\/validation$/);
  });

  it('never exposes the message of a server-side error', () => {
    const leaky = new DatabaseError('relation "secret_table" does not exist at 10.0.0.5', '42P01');
    const problem = toProblem(leaky);
    expect(problem.status).toBe(500);
    expect(JSON.stringify(problem)).not.toContain('secret_table');
    expect(JSON.stringify(problem)).not.toContain('10.0.0.5');
  });

  it('turns a thrown non-error value into a generic 500', () => {
    const problem = toProblem('boom with /etc/passwd');
    expect(problem.status).toBe(500);
    expect(JSON.stringify(problem)).not.toContain('passwd');
  });

  it('answers 503 with a retry hint for an unavailable dependency, hiding which host failed', () => {
    const problem = toProblem(new DependencyError('ECONNREFUSED 127.0.0.1:5432'));
    expect(problem.status).toBe(503);
    expect(problem.detail).toMatch(/try again/i);
    expect(JSON.stringify(problem)).not.toContain('5432');
  });

  it('carries Retry-After seconds for rate limits and the status of every 4xx class', () => {
    expect(toProblem(new RateLimitedError('slow down', 7))).toMatchObject({
      status: 429,
      retryAfterSeconds: 7,
    });
    expect(toProblem(new NotFoundError('no such song'))).toMatchObject({
      status: 404,
      detail: 'no such song',
    });
  });

  it('keeps the cause chain on the error for logs', () => {
    const cause = new Error('socket hang up');
    expect(new DependencyError('search unavailable', { cause }).cause).toBe(cause);
  });
});
