"""The same check as main.rs, with PyJWT: any JWT library verifies a consent
token from the JWKS alone.

    pip install pyjwt cryptography
    python3 examples/verify-token/verify_token.py http://127.0.0.1:8080 www <token>
"""

import json
import sys
import urllib.request

import jwt


def main(server: str, site: str, token: str) -> None:
    with urllib.request.urlopen(f"{server}/.well-known/jwks.json") as response:
        jwks = jwt.PyJWKSet.from_dict(json.load(response))
    key = jwks[jwt.get_unverified_header(token)["kid"]]
    claims = jwt.decode(token, key.key, algorithms=["EdDSA"], audience=site, issuer="nexxt-consent")
    print(f"consent {claims['sub']} grants: {', '.join(claims['cat'])}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
