#!/usr/bin/env python3
"""Makes an API token and the hash that units.json (apiTokenHash) and intake-senders.json (tokenHash)
store (docs/security.md):

    python3 scripts/tools/hash-token.py              # a new random token and its hash
    python3 scripts/tools/hash-token.py --token X    # the hash of the token X (or read it from stdin with -)

The hash is hmac-sha256:<salt: 32 hex digits>:<HMAC-SHA256(key: salt, message: token), 64 hex digits>,
with a random salt per token. Give the token to its holder once; store only the hash.
"""
import argparse, hashlib, hmac, secrets, sys

MINIMUM_LENGTH = 32


def token_hash(token, salt=None):
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hmac.new(salt, token.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"hmac-sha256:{salt.hex()}:{digest}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--token", help="hash this token instead of making a new one ('-' reads it from stdin)")
    args = parser.parse_args()
    token = args.token
    if token == "-":
        token = sys.stdin.readline().strip()
    if token is None:
        token = secrets.token_hex(24)
        print(f"token: {token}")
    if len(token) < MINIMUM_LENGTH or any(c.isspace() for c in token):
        sys.exit(f"a token must have at least {MINIMUM_LENGTH} characters and no spaces")
    print(f"hash:  {token_hash(token)}")


if __name__ == "__main__":
    main()
