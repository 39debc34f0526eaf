import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { test } from 'node:test';
import { makeScramVerifier, parseScramVerifier, SCRAM_ITERATIONS } from './scram-verifier.js';

// The exchange of RFC 7677 section 3: user "user", password "pencil".
const RFC = {
  password: 'pencil',
  salt: 'W22ZaJ0SNY7soEsUEjb6gQ==',
  authMessage: [
    'n=user,r=rOprNGfwEbeRWgbNEkqO',
    'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
    'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  ].join(','),
  clientProof: 'dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverSignature: '6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};

test('a verifier checks the RFC 7677 proof and signs as the RFC server does', () => {
  const text = makeScramVerifier(RFC.password, Buffer.from(RFC.salt, 'base64'));
  assert.match(
    text,
    new RegExp(`^SCRAM-SHA-256\\$${SCRAM_ITERATIONS}:${RFC.salt.replace(/[+/=]/g, '\\$&')}\\$`),
  );
  const v = parseScramVerifier(text);
  assert.ok(v);
  assert.equal(v.iterations, 4096);
  assert.equal(v.salt.toString('base64'), RFC.salt);
  // The server's check: H(ClientProof XOR HMAC(StoredKey, AuthMessage)) == StoredKey.
  const clientSignature = createHmac('sha256', v.storedKey).update(RFC.authMessage).digest();
  const proof = Buffer.from(RFC.clientProof, 'base64');
  const clientKey = Buffer.from(proof.map((b, i) => b ^ clientSignature[i]!));
  assert.deepEqual(createHash('sha256').update(clientKey).digest(), v.storedKey);
  const serverSignature = createHmac('sha256', v.serverKey).update(RFC.authMessage).digest();
  assert.equal(serverSignature.toString('base64'), RFC.serverSignature);
});

test('a wrong password gives a verifier that refuses the RFC proof', () => {
  const v = parseScramVerifier(makeScramVerifier('pencils', Buffer.from(RFC.salt, 'base64')));
  assert.ok(v);
  const clientSignature = createHmac('sha256', v.storedKey).update(RFC.authMessage).digest();
  const proof = Buffer.from(RFC.clientProof, 'base64');
  const clientKey = Buffer.from(proof.map((b, i) => b ^ clientSignature[i]!));
  assert.notDeepEqual(createHash('sha256').update(clientKey).digest(), v.storedKey);
});

test('each verifier gets a fresh salt; text that is not a verifier parses to undefined', () => {
  const a = parseScramVerifier(makeScramVerifier('k'));
  const b = parseScramVerifier(makeScramVerifier('k'));
  assert.ok(a && b);
  assert.equal(a.salt.length, 16);
  assert.notDeepEqual(a.salt, b.salt);
  assert.notDeepEqual(a.storedKey, b.storedKey);
  for (const bad of [
    '',
    'md5abc',
    'SCRAM-SHA-256$4096:c2FsdA==$a2V5',
    'SCRAM-SHA-256$x:c2FsdA==$a:b',
  ])
    assert.equal(parseScramVerifier(bad), undefined, bad);
});
