#!/usr/bin/env python3
"""Fills a throw-away S3 server (moto's server mode, started by tests/object_storage and
benches/s3_speed.sh) with boto3. The endpoint and credentials come from the environment
(AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY); nothing here reads ~/.aws.

  s3_fixture.py mkbucket BUCKET
  s3_fixture.py upload BUCKET PREFIX DIR     every file under DIR as PREFIX/REL (REL with /);
                                             files over 8 MiB go up in parts (multipart ETag)
  s3_fixture.py put BUCKET KEY FILE          one object (a single PUT)
  s3_fixture.py delete BUCKET KEY
  s3_fixture.py list BUCKET [PREFIX]         KEY<TAB>ETAG<TAB>SIZE per line
  s3_fixture.py user NAME                    an IAM user allowed s3:*; prints "KEY_ID SECRET"
  s3_fixture.py enforce-auth                 from now on the server checks signatures (moto's
                                             /moto-api/reset-auth with 0 unauthenticated calls)
"""
import os
import sys
import urllib.request

import boto3
from boto3.s3.transfer import TransferConfig

ENDPOINT = os.environ["AWS_ENDPOINT_URL"]


def client(service="s3"):
    return boto3.client(
        service,
        endpoint_url=ENDPOINT,
        region_name=os.environ.get("AWS_REGION", "us-east-1"),
    )


def main(argv):
    cmd, args = argv[0], argv[1:]
    if cmd == "mkbucket":
        client().create_bucket(Bucket=args[0])
    elif cmd == "upload":
        bucket, prefix, root = args
        s3 = client()
        config = TransferConfig(multipart_threshold=8 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024)
        count = 0
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for name in sorted(filenames):
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root).replace(os.sep, "/")
                key = f"{prefix.rstrip('/')}/{rel}" if prefix else rel
                s3.upload_file(path, bucket, key, Config=config)
                count += 1
        print(count)
    elif cmd == "put":
        bucket, key, path = args
        with open(path, "rb") as f:
            client().put_object(Bucket=bucket, Key=key, Body=f.read())
    elif cmd == "delete":
        client().delete_object(Bucket=args[0], Key=args[1])
    elif cmd == "list":
        s3 = client()
        prefix = args[1] if len(args) > 1 else ""
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=args[0], Prefix=prefix):
            for o in page.get("Contents", []):
                print(f"{o['Key']}\t{o['ETag']}\t{o['Size']}")
    elif cmd == "user":
        iam = client("iam")
        iam.create_user(UserName=args[0])
        iam.put_user_policy(
            UserName=args[0],
            PolicyName="s3-all",
            PolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}',
        )
        key = iam.create_access_key(UserName=args[0])["AccessKey"]
        print(key["AccessKeyId"], key["SecretAccessKey"])
    elif cmd == "enforce-auth":
        req = urllib.request.Request(f"{ENDPOINT}/moto-api/reset-auth", data=b"0", method="POST", headers={"Content-Type": "text/plain"})
        urllib.request.urlopen(req).read()
    else:
        sys.exit(f"unknown command {cmd!r}\n{__doc__}")


if __name__ == "__main__":
    main(sys.argv[1:])
