/**
 * The platforms' HTTP client (src/channels/http-json.ts) against a real loopback server that
 * answers as a platform may on a bad day: an error page, a huge answer, no answer at all.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpPost } from '../src/channels/http-json.ts';

let server: http.Server;
let base = '';
const received: { url: string; body: string; type: string | undefined }[] = [];

beforeAll(async () => {
  server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      received.push({ url: request.url ?? '', body, type: request.headers['content-type'] });
      if (request.url === '/json') response.end(JSON.stringify({ ok: true, echo: body }));
      else if (request.url === '/bad-gateway') {
        response.statusCode = 502;
        response.end('<html>Bad Gateway</html>');
      } else if (request.url === '/huge') response.end(Buffer.alloc(6 * 1024 * 1024, 'x'));
      // '/silent': never answers.
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('httpPost', () => {
  it('posts a string body with its headers and reads the JSON answer', async () => {
    const answer = await httpPost(`${base}/json`, {
      headers: { 'content-type': 'application/json' },
      body: '{"text":"Chào bác"}',
    });
    expect(answer.ok).toBe(true);
    expect(await answer.json()).toEqual({ ok: true, echo: '{"text":"Chào bác"}' });
    expect(received.at(-1)?.type).toBe('application/json');
  });

  it('posts a streamed body (a photo upload)', async () => {
    const answer = await httpPost(`${base}/json`, {
      body: Readable.from([Buffer.from('part 1, '), Buffer.from('part 2')]),
    });
    expect(await answer.json()).toEqual({ ok: true, echo: 'part 1, part 2' });
  });

  it('gives an error page its status, and refuses to read it as JSON', async () => {
    const answer = await httpPost(`${base}/bad-gateway`, { body: '{}' });
    expect([answer.status, answer.ok]).toEqual([502, false]);
    await expect(answer.json()).rejects.toThrow(SyntaxError);
  });

  it('refuses an answer larger than any API answer', async () => {
    await expect(httpPost(`${base}/huge`, { body: '{}' })).rejects.toThrow(/larger than/);
  });

  it('fails a call with no answer in time, and one aborted by its caller', async () => {
    await expect(httpPost(`${base}/silent`, { body: '{}', timeoutMs: 200 })).rejects.toThrow(
      /no answer in time/,
    );
    const controller = new AbortController();
    const call = httpPost(`${base}/silent`, { body: '{}', signal: controller.signal });
    controller.abort();
    await expect(call).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('fails when nothing listens', async () => {
    const closed = http.createServer();
    closed.listen(0, '127.0.0.1');
    await new Promise((resolve) => closed.once('listening', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    await expect(httpPost(`http://127.0.0.1:${port}/json`, { body: '{}' })).rejects.toThrow(/ECONNREFUSED/);
  });
});
