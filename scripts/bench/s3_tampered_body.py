"""Checks that an S3 server verifies signed bodies. A PUT signed with SigV4 (the body's sha256 in
x-amz-content-sha256, as both benchmark clients send it) must be stored when the body is the one
signed, and refused when another body of the same length is sent with the same headers.

    python s3_tampered_body.py URL BUCKET     (credentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)

Exit 0 when the server stored the signed body and refused the changed one; 1 when it stored the
changed one; 2 when the signed body itself was not stored (the check would prove nothing).
"""

import os
import sys
import urllib.error
import urllib.request

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

SIGNED = b"the body that was signed"
CHANGED = b"the body that was sent!!"  # same length: only the content differs


def send(creds, method, target, signed_for, body):
    """Signs a request for `signed_for`, sends `body` with its headers: (HTTP status, S3 error code)."""
    request = AWSRequest(method=method, url=target, data=signed_for)
    if signed_for:
        request.headers["Content-Length"] = str(len(signed_for))
    S3SigV4Auth(creds, "s3", "us-east-1").add_auth(request)
    raw = urllib.request.Request(target, data=body, method=method, headers=dict(request.headers.items()))
    try:
        with urllib.request.urlopen(raw, timeout=30) as answer:
            return answer.status, ""
    except urllib.error.HTTPError as e:
        text = e.read().decode("utf-8", "replace")
        code = text.split("<Code>")[1].split("</Code>")[0] if "<Code>" in text else ""
        return e.code, code


def main() -> int:
    url, bucket = sys.argv[1].rstrip("/"), sys.argv[2]
    creds = Credentials(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"])
    target = f"{url}/{bucket}/tampered-body-check"
    status, code = send(creds, "PUT", target, SIGNED, SIGNED)
    if status != 200:
        print(f"the signed body itself was refused: HTTP {status} {code}")
        return 2
    send(creds, "DELETE", target, b"", None)
    status, code = send(creds, "PUT", target, SIGNED, CHANGED)
    if status == 200:
        send(creds, "DELETE", target, b"", None)
        print("stored a body that does not match its signed sha256")
        return 1
    print(f"signed body stored; changed body refused: HTTP {status} {code}")
    return 0 if 400 <= status < 500 else 2


if __name__ == "__main__":
    sys.exit(main())
