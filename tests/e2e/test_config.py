"""Configuration end to end: credentials, endpoint, region, CA bundle and addressing style from
~/.aws/credentials and ~/.aws/config profiles, the precedence of flags, environment and files,
and clean errors for broken configuration.

Where the server cannot tell (radosgw accepts any signing region and ignores a session token
when STS is off), the requests are looked at on the wire through a plain-HTTP proxy.

Run: /usr/bin/python3 -m unittest -v test_config   (from tests/e2e; see s3env.py).
"""

import datetime
import ipaddress
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import unittest

import s3env

# Variables that would let s3loop find the server without the files under test.
SERVER_VARS = dict(AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None, AWS_ENDPOINT_URL=None,
                   AWS_REGION=None, AWS_CA_BUNDLE=None)

CREDENTIAL_SCOPE = re.compile(r"Credential=([^/]+)/\d{8}/([^/]+)/s3/aws4_request")


class ConfigTests(s3env.E2ETestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.src = cls.class_bucket("cfg-src")
        s3env.datagen(f"s3://{cls.src}/src/", count=25, max_size=2048, seed=21, special_keys=True)
        cls.source = s3env.object_map(cls.s3, cls.src, "src/")

    def setUp(self):
        self.home = tempfile.mkdtemp(prefix="s3loop-e2e-cfg-")
        self.addCleanup(shutil.rmtree, self.home, True)
        os.makedirs(os.path.join(self.home, ".aws"))

    def write(self, name, text):
        path = os.path.join(self.home, ".aws", name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def fifo(self):
        path = os.path.join(self.home, "bundle.fifo")
        if not os.path.exists(path):
            os.mkfifo(path)
        return path

    def good_keys(self):
        return (f"aws_access_key_id = {self.srv.access_key}\n"
                f"aws_secret_access_key = {self.srv.secret_key}\n")

    def env(self, **overrides):
        """No server settings in the environment, HOME = this test's home."""
        return s3env.base_env(**{**SERVER_VARS, "HOME": self.home, **overrides})

    def assertCopies(self, args=(), env=None, why=""):
        dst = self.bucket("cfg-dst")
        p = s3env.run(["cp", f"s3://{self.src}/src", f"s3://{dst}/out", *args], env=env)
        s3env.assert_no_crash(self, p)
        self.assertEqual(p.returncode, 0, why + s3env.describe(p))
        self.assertEqual(s3env.object_map(self.s3, dst, "out/"), self.source, why)
        return p

    def assertLists(self, args=(), env=None, why=""):
        p = s3env.run(["ls", "-r", f"s3://{self.src}/src/", *args], env=env)
        s3env.assert_no_crash(self, p)
        self.assertEqual(p.returncode, 0, why + s3env.describe(p))
        self.assertEqual(len(p.stdout.splitlines()), len(self.source), why)
        return p

    # --- the machine's role: a container's endpoint, the EC2 instance metadata service ------

    def serve_role(self, routes):
        """A fake credentials endpoint on 127.0.0.1: routes maps "METHOD /path" to (status,
        body). Returns (port, requests seen as (method, path, headers))."""
        import http.server
        seen = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def answer(self):
                seen.append((self.command, self.path, dict(self.headers)))
                status, body = routes.get(f"{self.command} {self.path}", (404, "not found"))
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = answer

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        return server.server_address[1], seen

    def role_document(self):
        expires = (datetime.datetime.now(datetime.timezone.utc) +
                   datetime.timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M:%SZ")
        return json.dumps({"Code": "Success", "AccessKeyId": self.srv.access_key,
                           "SecretAccessKey": self.srv.secret_key, "Token": "role-session",
                           "Expiration": expires})

    def test_an_ec2_instance_role_signs_when_nothing_else_gives_keys(self):
        # aws cli lists with an instance's role; s3loop said "no AWS credentials found".
        roles = "/latest/meta-data/iam/security-credentials/"
        port, seen = self.serve_role({"PUT /latest/api/token": (200, "imds-token"),
                                      f"GET {roles}": (200, "app-role"),
                                      f"GET {roles}app-role": (200, self.role_document())})
        env = self.env(AWS_ENDPOINT_URL=self.srv.endpoint, AWS_CA_BUNDLE=self.srv.ca_bundle,
                       AWS_EC2_METADATA_DISABLED=None,
                       AWS_EC2_METADATA_SERVICE_ENDPOINT=f"http://127.0.0.1:{port}")
        self.assertLists(env=env)
        self.assertEqual([(m, path) for m, path, _ in seen],
                         [("PUT", "/latest/api/token"), ("GET", roles),
                          ("GET", roles + "app-role")])
        self.assertEqual(seen[1][2].get("x-aws-ec2-metadata-token"), "imds-token")
        # Turned off, it is not asked.
        seen.clear()
        p = s3env.run(["ls", f"s3://{self.src}/src/"],
                      env={**env, "AWS_EC2_METADATA_DISABLED": "true"})
        s3env.assert_clean_error(self, p, 2, "no AWS credentials found")
        self.assertEqual(seen, [])

    def test_a_container_role_signs_with_its_authorization_token(self):
        port, seen = self.serve_role({"GET /creds": (200, self.role_document())})
        token = os.path.join(self.home, "pod-token")
        with open(token, "w") as f:
            f.write("secret-pod-token\n")
        env = self.env(AWS_ENDPOINT_URL=self.srv.endpoint, AWS_CA_BUNDLE=self.srv.ca_bundle,
                       AWS_CONTAINER_CREDENTIALS_FULL_URI=f"http://127.0.0.1:{port}/creds",
                       AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=token)
        self.assertLists(env=env)
        self.assertEqual(seen[0][2].get("Authorization"), "secret-pod-token")
        # A host botocore does not allow is refused before any request.
        p = s3env.run(["ls", f"s3://{self.src}/src/"],
                      env={**env, "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://10.1.2.3/creds"})
        s3env.assert_clean_error(self, p, 2, "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                                 "not a plain http:// URL on a loopback address")

    # --- credentials from profiles ----------------------------------------------------------

    def test_profile_from_aws_profile_env(self):
        self.write("credentials", "[default]\naws_access_key_id = NOTTHISONE\n"
                   "aws_secret_access_key = nope\n\n[e2e]\n" + self.good_keys())
        env = self.env(AWS_PROFILE="e2e", AWS_ENDPOINT_URL=self.srv.endpoint,
                       AWS_CA_BUNDLE=self.srv.ca_bundle)
        self.assertLists(env=env)
        self.assertCopies(env=env)

    def test_default_profile(self):
        self.write("credentials", "[default]\n" + self.good_keys())
        env = self.env(AWS_ENDPOINT_URL=self.srv.endpoint, AWS_CA_BUNDLE=self.srv.ca_bundle)
        self.assertCopies(env=env)

    def test_profile_flag(self):
        self.write("credentials", "[e2e]\n" + self.good_keys())
        env = self.env(AWS_ENDPOINT_URL=self.srv.endpoint, AWS_CA_BUNDLE=self.srv.ca_bundle)
        self.assertLists(["--profile", "e2e"], env=env)
        self.assertCopies(["--profile", "e2e"], env=env)
        # An explicit --profile outranks keys in the environment (as with the AWS CLI).
        wrong = dict(AWS_ACCESS_KEY_ID="WRONGWRONGWRONG00000", AWS_SECRET_ACCESS_KEY="wrong")
        self.assertCopies(["--profile", "e2e"], env={**env, **wrong},
                          why="--profile must outrank AWS_ACCESS_KEY_ID")

    def test_environment_keys_outrank_aws_profile(self):
        # AWS_PROFILE does not: environment keys come first (AWS CLI rules).
        self.write("credentials", "[e2e]\n" + self.good_keys())
        env = self.env(AWS_PROFILE="e2e", AWS_ENDPOINT_URL=self.srv.endpoint,
                       AWS_CA_BUNDLE=self.srv.ca_bundle, AWS_ACCESS_KEY_ID=self.srv.access_key,
                       AWS_SECRET_ACCESS_KEY="wrong-secret")
        p = s3env.run(["ls", f"s3://{self.src}/"], env=env)
        s3env.assert_clean_error(self, p, 1, "rejected the credentials",
                                 "; the credentials in use come from the environment [request id")

    def test_rejected_credentials_say_where_they_came_from(self):
        # Keys in a profile are easily forgotten: the line names the profile and its file.
        self.write("credentials", "[e2e]\naws_access_key_id = "
                   f"{self.srv.access_key}\naws_secret_access_key = wrong-secret\n")
        env = self.env(AWS_PROFILE="e2e", AWS_ENDPOINT_URL=self.srv.endpoint,
                       AWS_CA_BUNDLE=self.srv.ca_bundle)
        for command in (["ls", f"s3://{self.src}/"],
                        ["cp", f"s3://{self.src}/a/", f"s3://{self.src}/never/"]):
            with self.subTest(command=command[0]):
                p = s3env.run(command, env=env)
                s3env.assert_clean_error(
                    self, p, 1, "rejected the credentials (SignatureDoesNotMatch)",
                    "; the credentials in use come from profile e2e (~/.aws/credentials)")

    def test_default_section_settings_reach_every_profile(self):
        # configparser's [DEFAULT], which the AWS CLI honours: its keys are in every profile.
        self.write("credentials", "[DEFAULT]\n" + self.good_keys() + "[e2e]\n")
        self.write("config", f"[DEFAULT]\nendpoint_url = {self.srv.endpoint}\n"
                   f"ca_bundle = {self.srv.ca_bundle}\n[profile e2e]\nregion = {self.srv.region}\n")
        self.assertCopies(["--profile", "e2e"], env=self.env())
        # No profile of its own.
        p = s3env.run(["ls", f"s3://{self.src}/", "--profile", "DEFAULT"], env=self.env())
        s3env.assert_clean_error(self, p, 2, "DEFAULT")

    def test_credentials_in_config_file(self):
        self.write("config", "[profile e2e]\n" + self.good_keys())
        env = self.env(AWS_ENDPOINT_URL=self.srv.endpoint, AWS_CA_BUNDLE=self.srv.ca_bundle)
        self.assertCopies(["--profile", "e2e"], env=env)

    def test_file_locations_from_environment(self):
        other = tempfile.mkdtemp(prefix="s3loop-e2e-cfg-elsewhere-")
        self.addCleanup(shutil.rmtree, other, True)
        creds = os.path.join(other, "creds.ini")
        conf = os.path.join(other, "conf.ini")
        with open(creds, "w") as f:
            f.write("[e2e]\n" + self.good_keys())
        with open(conf, "w") as f:
            f.write(f"[profile e2e]\nendpoint_url = {self.srv.endpoint}\n"
                    f"ca_bundle = {self.srv.ca_bundle}\n")
        env = self.env(AWS_PROFILE="e2e", AWS_SHARED_CREDENTIALS_FILE=creds,
                       AWS_CONFIG_FILE=conf)
        self.assertCopies(env=env)
        # /dev/null says "no such file" (it was refused as not a regular file): the keys
        # then come from the file named, the endpoint from the environment.
        with open(creds, "w") as f:
            f.write("[default]\n" + self.good_keys())
        env = self.env(AWS_SHARED_CREDENTIALS_FILE=creds, AWS_CONFIG_FILE="/dev/null",
                       AWS_ENDPOINT_URL=self.srv.endpoint, AWS_CA_BUNDLE=self.srv.ca_bundle)
        self.assertCopies(env=env)

    # --- endpoint, region, CA bundle from ~/.aws/config -------------------------------------

    # --- credential_process ----------------------------------------------------------------

    def credential_helper(self, body):
        """An executable script in a folder whose name has a space (the setting quotes it),
        logging its arguments, one per line, to args.log beside it."""
        folder = os.path.join(self.home, "my tools")
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, "creds.sh")
        with open(path, "w") as f:
            f.write('#!/bin/sh\nprintf "%s\\n" "$@" > "$(dirname "$0")/args.log"\n' + body)
        os.chmod(path, 0o755)
        return path

    def helper_args(self):
        with open(os.path.join(self.home, "my tools", "args.log")) as f:
            return f.read().splitlines()

    def test_credential_process_gives_the_keys_and_token(self):
        expires = (datetime.datetime.now(datetime.timezone.utc)
                   + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        helper = self.credential_helper(
            "cat <<JSON\n"
            f'{{"Version": 1, "AccessKeyId": "{self.srv.access_key}", '
            f'"SecretAccessKey": "{self.srv.secret_key}", "SessionToken": "tok/+=", '
            f'"Expiration": "{expires}"}}\n'
            "JSON\n")
        # The environment's keys are not there: only the process can have given them.
        self.write("config", f'[profile e2e]\ncredential_process = "{helper}" --vault '
                   "'team a' x\\ y\n"
                   f"endpoint_url = {self.srv.endpoint}\nca_bundle = {self.srv.ca_bundle}\n")
        p = self.assertCopies(["--profile", "e2e", "--debug"], env=self.env())
        self.assertEqual(self.helper_args(), ["--vault", "team a", "x y"])
        self.assertIn("credentials from credential_process of profile e2e (~/.aws/config) "
                      "(they expire at ", p.stderr)
        # Its session token goes out, signed, with every request (radosgw ignores it).
        with s3env.SniffingProxy(self.srv.http_endpoint) as proxy:
            self.write("config", f'[default]\ncredential_process = "{helper}"\n'
                       f"endpoint_url = http://127.0.0.1:{proxy.port}\n")
            self.assertLists(env=self.env())
            self.assertEqual({h.get("x-amz-security-token") for _, _, h in proxy.requests},
                             {"tok/+="})

    def test_credentials_that_expire_mid_run_are_renewed(self):
        # The helper's first credentials last 3 s; the copy, slowed to 0.3 s a request, takes
        # longer: the helper runs again and the copy goes on with its new token.
        helper = self.credential_helper(
            'n=$(cat "$(dirname "$0")/count" 2>/dev/null || echo 0); n=$((n + 1))\n'
            'echo $n > "$(dirname "$0")/count"\n'
            'if [ $n = 1 ]; then life="+3 seconds"; else life="+1 hour"; fi\n'
            # What the renewal's helper holds of s3loop's: its connections must not be.
            'for fd in /proc/$$/fd/*; do readlink "$fd"; done > "$(dirname "$0")/fds-$n"\n'
            'env > "$(dirname "$0")/env-$n"\n'
            'expires=$(date -u -d "$life" +%Y-%m-%dT%H:%M:%SZ)\n'
            "cat <<JSON\n"
            f'{{"Version": 1, "AccessKeyId": "{self.srv.access_key}", '
            f'"SecretAccessKey": "{self.srv.secret_key}", "SessionToken": "token-$n", '
            '"Expiration": "$expires"}\n'
            "JSON\n")
        with s3env.SniffingProxy(self.srv.http_endpoint) as proxy:
            proxy.on_request = lambda method, target, headers: time.sleep(0.3)
            self.write("config", f'[default]\ncredential_process = "{helper}"\n'
                       f"endpoint_url = http://127.0.0.1:{proxy.port}\n")
            started = time.monotonic()
            self.assertCopies(["--concurrency", "1"], env=self.env())
            self.assertGreater(time.monotonic() - started, 5)
            with open(os.path.join(self.home, "my tools", "count")) as f:
                self.assertEqual(f.read().strip(), "2")
            tokens = [h.get("x-amz-security-token") for _, _, h in proxy.requests]
            self.assertEqual(set(tokens), {"token-1", "token-2"})
            # Never the first again once the second came.
            self.assertEqual(tokens, sorted(tokens))
        folder = os.path.join(self.home, "my tools")
        with open(os.path.join(folder, "fds-2")) as f:
            self.assertNotIn("socket:", f.read())
        # cp re-executes itself with GLIBC_TUNABLES of its own: not for the helper.
        for n in ("1", "2"):
            with open(os.path.join(folder, f"env-{n}")) as f:
                self.assertNotIn("GLIBC_TUNABLES", f.read())

    def test_a_credential_process_that_reads_the_terminal_does_not_stop_compare(self):
        # compare's runs are in the terminal's background: a helper's read from it stopped
        # the run (SIGTTIN) and compare waited for ever, deaf to Ctrl-C. Now the read fails.
        helper = self.credential_helper(
            "read answer\n"
            f'echo \'{{"Version": 1, "AccessKeyId": "{self.srv.access_key}", '
            f'"SecretAccessKey": "{self.srv.secret_key}"}}\'\n')
        self.write("config", f'[default]\ncredential_process = "{helper}"\n'
                   f"endpoint_url = {self.srv.endpoint}\nca_bundle = {self.srv.ca_bundle}\n")
        dst = self.bucket("cfg-tty")
        command = " ".join([s3env.s3loop_bin(), "compare", "cp", f"s3://{self.src}/src",
                            f"s3://{dst}/out", "--strategies", "async"])
        # `script` gives it a terminal of its own, as a user's shell would.
        p = subprocess.Popen(["script", "-qfec", command, "/dev/null"], env=self.env(),
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
        try:
            p.stdin.write(b"typed\n")  # what compare's own helper reads
            p.stdin.flush()
            out, _ = p.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            p.kill()
            subprocess.run(["pkill", "-KILL", "-f", f"s3://{dst}/out"])
            self.fail("compare hung on a credential_process that reads the terminal")
        text = out.decode(errors="replace")
        self.assertNotIn("Segmentation", text)
        self.assertIn("compare: async, run 1 of 1", text)

    def test_a_failing_credential_process_stops_before_any_request(self):
        self.write("config", f"[default]\nendpoint_url = {self.srv.endpoint}\n"
                   f"ca_bundle = {self.srv.ca_bundle}\n"
                   "credential_process = PLACEHOLDER\n")
        cases = [
            # (its script, what s3loop's line says)
            ("echo 'vault is locked' >&2; exit 3",
             "failed with exit status 3 (what it said, if anything, is above)"),
            ('echo \'{"Version": 1, "AccessKeyId": "A"}\'', "printed no SecretAccessKey"),
            ("echo 'AccessKeyId=SECRETVALUE'", "printed something that is not JSON"),
            ('echo \'{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "S", '
             '"Expiration": "2020-01-01T00:00:00Z"}\'',
             "gave credentials that expired at 2020-01-01 00:00:00 UTC"),
        ]
        for script, says in cases:
            with self.subTest(says=says):
                helper = self.credential_helper(script)
                self.write("config", f"[default]\nendpoint_url = {self.srv.endpoint}\n"
                           f"ca_bundle = {self.srv.ca_bundle}\n"
                           f"credential_process = '{helper}' --token SECRETARG\n")
                dst = self.bucket("cfg-proc")
                p = s3env.run(["cp", f"s3://{self.src}/src", f"s3://{dst}/out"], env=self.env())
                s3env.assert_no_crash(self, p)
                self.assertEqual(p.returncode, 2, s3env.describe(p))
                lines = [line for line in p.stderr.splitlines() if line.strip()]
                # The helper's own words, then s3loop's one line, naming the program only.
                self.assertTrue(lines[-1].startswith(
                    "s3loop: error: credential_process of profile 'default' ('"
                    f"{helper}' in ~/.aws/config) {says}"), s3env.describe(p))
                self.assertEqual(len(lines), 2 if "vault" in script else 1, s3env.describe(p))
                self.assertNotIn("SECRET", lines[-1])
                self.assertEqual(s3env.object_map(self.s3, dst, "out/"), {})
        p = s3env.run(["ls", f"s3://{self.src}/"], env=self.env(
            AWS_CONFIG_FILE=self.write("config", "[default]\ncredential_process = "
                                       "/nonexistent/helper\n")))
        s3env.assert_clean_error(self, p, 2, "credential_process of profile 'default' "
                                 "('/nonexistent/helper' in ", "cannot be started: No such file")

    def test_endpoint_region_ca_bundle_from_config(self):
        self.write("credentials", "[e2e]\n" + self.good_keys())
        self.write("config", f"[profile e2e]\nregion = {self.srv.region}\n"
                   f"endpoint_url = {self.srv.endpoint}\nca_bundle = {self.srv.ca_bundle}\n")
        env = self.env(AWS_PROFILE="e2e")
        self.assertLists(env=env)
        self.assertCopies(env=env)
        self.assertCopies(["--profile", "e2e"], env=self.env())

    def test_ca_bundle_from_config_is_what_makes_tls_work(self):
        # The control for the test above: the same profile without ca_bundle fails on TLS.
        self.write("credentials", "[e2e]\n" + self.good_keys())
        self.write("config", f"[profile e2e]\nendpoint_url = {self.srv.endpoint}\n")
        p = s3env.run(["ls", f"s3://{self.src}/"], env=self.env(AWS_PROFILE="e2e"))
        s3env.assert_clean_error(self, p, 1, "--ca-bundle")

    def test_a_bad_endpoint_or_ca_bundle_from_the_config_names_the_file(self):
        # Once these said only what was wrong, or blamed --ca-bundle / AWS_CA_BUNDLE.
        self.write("credentials", "[e2e]\n" + self.good_keys())
        self.write("config", "[profile e2e]\nendpoint_url = htp://bad host\n")
        p = s3env.run(["ls", f"s3://{self.src}/"], env=self.env(AWS_PROFILE="e2e"))
        s3env.assert_clean_error(self, p, 2, "invalid endpoint URL 'htp://bad host': a blank "
                                 "inside it (quote it without) (expected https://host[:port]); "
                                 "set by profile e2e endpoint_url in ~/.aws/config")
        self.write("config", f"[profile e2e]\nendpoint_url = {self.srv.endpoint}\n"
                   "ca_bundle = /nonexistent/ca.pem\n")
        p = s3env.run(["ls", f"s3://{self.src}/"], env=self.env(AWS_PROFILE="e2e"))
        s3env.assert_clean_error(self, p, 2, "cannot read CA bundle '/nonexistent/ca.pem': No "
                                 "such file or directory; set by profile e2e ca_bundle in "
                                 "~/.aws/config")
        # The flag the user typed is not named back.
        p = s3env.run(["ls", f"s3://{self.src}/", "--ca-bundle", "/nonexistent/ca.pem"],
                      env=self.env(AWS_PROFILE="e2e"))
        line = s3env.assert_clean_error(self, p, 2, "cannot read CA bundle")
        self.assertNotIn("set by", line)

    def test_requests_ca_bundle_is_read_after_the_others_as_botocore_reads_it(self):
        self.write("credentials", "[e2e]\n" + self.good_keys())
        self.write("config", f"[profile e2e]\nendpoint_url = {self.srv.endpoint}\n")
        env = self.env(AWS_PROFILE="e2e", REQUESTS_CA_BUNDLE=self.srv.ca_bundle)
        self.assertLists(env=env)
        # The profile's ca_bundle outranks it (AWS_CA_BUNDLE and the flag too, as unit-tested).
        system = "/etc/ssl/certs/ca-certificates.crt"
        self.write("config", f"[profile e2e]\nendpoint_url = {self.srv.endpoint}\n"
                   f"ca_bundle = {system}\n")
        p = s3env.run(["ls", f"s3://{self.src}/"], env=env)
        s3env.assert_clean_error(self, p, 1, "--ca-bundle", f"trusting the CA bundle {system} "
                                 "from profile e2e ca_bundle")
        # A bundle it names that cannot be read says so.
        self.write("config", f"[profile e2e]\nendpoint_url = {self.srv.endpoint}\n")
        p = s3env.run(["ls", f"s3://{self.src}/"],
                      env=self.env(AWS_PROFILE="e2e", REQUESTS_CA_BUNDLE="/nonexistent/ca.pem"))
        s3env.assert_clean_error(self, p, 2, "cannot read CA bundle '/nonexistent/ca.pem': No "
                                 "such file or directory; set by REQUESTS_CA_BUNDLE")

    def test_a_der_ca_bundle_is_told_how_to_convert(self):
        with open(self.srv.ca_bundle) as f:
            der = ssl.PEM_cert_to_DER_cert(f.read())
        path = os.path.join(self.home, "ca.cer")
        with open(path, "wb") as f:
            f.write(der)
        env = self.env(AWS_ACCESS_KEY_ID=self.srv.access_key,
                       AWS_SECRET_ACCESS_KEY=self.srv.secret_key,
                       AWS_ENDPOINT_URL=self.srv.endpoint, AWS_CA_BUNDLE=path)
        p = s3env.run(["ls", f"s3://{self.src}/"], env=env)
        s3env.assert_clean_error(self, p, 2, f"CA bundle '{path}' holds no usable PEM certificate",
                                 f"convert it with openssl x509 -inform DER -in {path} -out "
                                 f"{path}.pem", "set by AWS_CA_BUNDLE")
        # The command it gives makes a bundle that works.
        subprocess.run(["openssl", "x509", "-inform", "DER", "-in", path, "-out", path + ".pem"],
                       check=True, capture_output=True)
        self.assertLists(env={**env, "AWS_CA_BUNDLE": path + ".pem"})

    def test_keys_are_trimmed_as_python_trims_them_and_utf16_is_named(self):
        # A secret pasted with a no-break space after it works with the AWS CLI.
        path = os.path.join(self.home, ".aws", "credentials")
        with open(path, "w", encoding="utf-8") as f:
            f.write(f"[e2e]\naws_access_key_id = {self.srv.access_key}\u3000\n"
                    f"aws_secret_access_key = {self.srv.secret_key}\u00a0\n")
        env = self.env(AWS_PROFILE="e2e", AWS_ENDPOINT_URL=self.srv.endpoint,
                       AWS_CA_BUNDLE=self.srv.ca_bundle)
        self.assertLists(env=env)
        # Saved as UTF-16 (PowerShell's "Unicode"): said so.
        with open(path, "w", encoding="utf-16") as f:
            f.write("[e2e]\n" + self.good_keys())
        p = s3env.run(["ls", f"s3://{self.src}/"], env=env)
        line = s3env.assert_clean_error(self, p, 2, "cannot parse ~/.aws/credentials: line 1: the "
                                        "file starts with a UTF-16 byte order mark: it is UTF-16 "
                                        "text", "save it as UTF-8")
        self.assertNotIn(self.srv.secret_key, line)

    def test_an_unreachable_endpoint_says_where_it_was_set(self):
        # "check --endpoint-url" sent the user to a flag they never typed when the endpoint came
        # from the environment or a profile.
        self.write("credentials", "[e2e]\n" + self.good_keys())
        dead = f"https://127.0.0.1:{s3env.free_port()}"
        self.write("config", f"[profile e2e]\nendpoint_url = {dead}\n")
        for env, source in ((self.env(AWS_ENDPOINT_URL=dead, AWS_PROFILE="e2e"),
                             "AWS_ENDPOINT_URL"),
                            (self.env(AWS_PROFILE="e2e"),
                             "profile e2e endpoint_url in ~/.aws/config")):
            with self.subTest(source=source):
                p = s3env.run(["ls", f"s3://{self.src}/", "--connect-timeout", "5"], env=env)
                s3env.assert_clean_error(self, p, 1, "check --endpoint-url",
                                         f"; the endpoint in use is set by {source}")
        p = s3env.run(["ls", f"s3://{self.src}/", "--endpoint-url", dead],
                      env=self.env(AWS_PROFILE="e2e"))
        line = s3env.assert_clean_error(self, p, 1, "check --endpoint-url")
        self.assertNotIn("set by", line)

    def test_region_from_config_signs_requests(self):
        http = self.srv.http_endpoint
        with s3env.SniffingProxy(http) as proxy:
            self.write("credentials", "[e2e]\n" + self.good_keys())
            self.write("config", f"[profile e2e]\nregion = eu-e2e-1\n"
                       f"endpoint_url = http://127.0.0.1:{proxy.port}\n")
            env = self.env(AWS_PROFILE="e2e")
            self.assertCopies(env=env)
            scopes = {CREDENTIAL_SCOPE.search(h.get("authorization", "")).groups()
                      for _, _, h in proxy.requests if CREDENTIAL_SCOPE.search(
                          h.get("authorization", ""))}
            self.assertEqual(scopes, {(self.srv.access_key, "eu-e2e-1")},
                             "requests must be signed with the profile's key and region")
            self.assertGreaterEqual(len(proxy.requests), len(self.source) + 1,
                                    "one ListObjectsV2 and one CopyObject per object")
            # AWS_REGION outranks the profile, --region outranks both.
            proxy.requests.clear()
            self.assertLists(env={**env, "AWS_REGION": "ap-env-2"})
            self.assertLists(["--region", "sa-flag-3"], env={**env, "AWS_REGION": "ap-env-2"})
            regions = [CREDENTIAL_SCOPE.search(h["authorization"]).group(2)
                       for _, _, h in proxy.requests]
            self.assertEqual(regions, ["ap-env-2", "sa-flag-3"])

    def test_nested_s3_addressing_style(self):
        with s3env.SniffingProxy(self.srv.http_endpoint) as proxy:
            self.write("credentials", "[e2e]\n" + self.good_keys())
            endpoint = f"http://s3.localhost:{proxy.port}"
            for style in ("virtual", "path"):
                with self.subTest(style=style):
                    self.write("config", f"[profile e2e]\nendpoint_url = {endpoint}\n"
                               f"s3 =\n  addressing_style = {style}\n")
                    proxy.requests.clear()
                    self.assertCopies(env=self.env(AWS_PROFILE="e2e"))
                    hosts = {h.get("host") for _, _, h in proxy.requests}
                    if style == "virtual":
                        self.assertTrue(all(host.endswith(f".s3.localhost:{proxy.port}")
                                            for host in hosts), hosts)
                        self.assertIn(f"{self.src}.s3.localhost:{proxy.port}", hosts)
                        self.assertFalse([t for _, t, _ in proxy.requests
                                          if t.startswith(f"/{self.src}")],
                                         "virtual-hosted requests must not name the bucket in "
                                         "the path")
                    else:
                        self.assertEqual(hosts, {f"s3.localhost:{proxy.port}"})
                        self.assertTrue(all(t.startswith("/e2e-cfg-")
                                            for _, t, _ in proxy.requests))

    # --- broken configuration -----------------------------------------------------------------

    def test_missing_profile(self):
        self.write("credentials", "[e2e]\n" + self.good_keys())
        base = self.env(AWS_ENDPOINT_URL=self.srv.endpoint, AWS_CA_BUNDLE=self.srv.ca_bundle)
        for args, env in ((["--profile", "nosuchprofile"], base),
                          ([], {**base, "AWS_PROFILE": "nosuchprofile"}),
                          (["--profile", "nosuchprofile"],
                           {**base, "AWS_ACCESS_KEY_ID": self.srv.access_key,
                            "AWS_SECRET_ACCESS_KEY": self.srv.secret_key})):
            with self.subTest(args=args, AWS_PROFILE=env.get("AWS_PROFILE")):
                dst = self.bucket("cfg-noprof")
                p = s3env.run(["cp", f"s3://{self.src}/src", f"s3://{dst}/out", *args], env=env)
                s3env.assert_clean_error(self, p, 2, "nosuchprofile")
                self.assertBucketEmpty(dst)
                p = s3env.run(["ls", f"s3://{self.src}/", *args], env=env)
                s3env.assert_clean_error(self, p, 2, "nosuchprofile")

    def test_malformed_files(self):
        secret = "s3cr3t-never-print-me"
        for name, text, words in (
                ("credentials", f"[e2e\naws_secret_access_key = {secret}\n", ["credentials"]),
                ("credentials", f"aws_secret_access_key = {secret}\n[e2e]\n", ["credentials"]),
                ("credentials", f"[e2e]\n{secret}\n", ["credentials"]),
                ("config", "[profile e2e]\ns3 =\n  addressing_style = sideways\n",
                 ["addressing_style", "sideways"]),
                ("credentials", f"[e2e]\naws_secret_access_key = {secret}\n",
                 ["aws_access_key_id"])):
            with self.subTest(name=name, text=text):
                for f in ("credentials", "config"):
                    p = os.path.join(self.home, ".aws", f)
                    if os.path.exists(p):
                        os.remove(p)
                self.write(name, text)
                if name == "config":
                    self.write("credentials", "[e2e]\n" + self.good_keys())
                env = self.env(AWS_PROFILE="e2e", AWS_ENDPOINT_URL=self.srv.endpoint,
                               AWS_CA_BUNDLE=self.srv.ca_bundle)
                p = s3env.run(["ls", f"s3://{self.src}/"], env=env)
                line = s3env.assert_clean_error(self, p, 2, *words)
                self.assertNotIn(secret, line, "a secret from the file was printed")

    def test_an_empty_profile_variable_is_no_fall_back_to_the_default_profile(self):
        # AWS_PROFILE="$PROD" with PROD unset listed with [default]'s keys: another identity.
        self.write("credentials", "[default]\n" + self.good_keys())
        self.write("config", f"[default]\nendpoint_url = {self.srv.endpoint}\n")
        base = dict(AWS_CA_BUNDLE=self.srv.ca_bundle)
        self.assertLists(env=self.env(**base), why="the default profile itself works")
        for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
            with self.subTest(name=name):
                p = s3env.run(["ls", f"s3://{self.src}/"], env=self.env(**base, **{name: ""}))
                s3env.assert_clean_error(self, p, 2, f"{name} is set but empty")
        # An empty AWS_SHARED_CREDENTIALS_FILE names no file (botocore's reading), not
        # ~/.aws/credentials.
        p = s3env.run(["ls", f"s3://{self.src}/"],
                      env=self.env(**base, AWS_SHARED_CREDENTIALS_FILE=""))
        s3env.assert_clean_error(self, p, 2, "no AWS credentials found",
                                 "in the credentials file (AWS_SHARED_CREDENTIALS_FILE is empty: none)")

    def test_no_credentials_anywhere(self):
        self.write("config", f"[default]\nendpoint_url = {self.srv.endpoint}\n")
        p = s3env.run(["ls", f"s3://{self.src}/"], env=self.env(AWS_CA_BUNDLE=self.srv.ca_bundle))
        s3env.assert_clean_error(self, p, 2, "credentials")

    def test_garbage_session_token(self):
        # radosgw without STS ignores x-amz-security-token, so the request goes through; what
        # matters is that s3loop sends it (it is part of the credentials) and does not crash.
        with s3env.SniffingProxy(self.srv.http_endpoint) as proxy:
            env = s3env.base_env(AWS_SESSION_TOKEN="garbage-token/+=",
                                 AWS_ENDPOINT_URL=f"http://127.0.0.1:{proxy.port}")
            p = s3env.run(["cp", f"s3://{self.src}/src", f"s3://{self.bucket('cfg-tok')}/out"],
                          env=env)
            s3env.assert_no_crash(self, p)
            self.assertEqual(p.returncode, 0, "radosgw ignores session tokens" + s3env.describe(p))
            tokens = {h.get("x-amz-security-token") for _, _, h in proxy.requests}
            self.assertEqual(tokens, {"garbage-token/+="},
                             "every request must carry the session token")
            self.assertTrue(all("x-amz-security-token" in h.get("authorization", "")
                                for _, _, h in proxy.requests),
                            "the session token must be a signed header")
        # And over HTTPS, directly: radosgw accepts (documented behaviour: exit 0).
        p = s3env.run(["ls", "-r", f"s3://{self.src}/src/"],
                      env=s3env.base_env(AWS_SESSION_TOKEN="garbage"))
        s3env.assert_no_crash(self, p)
        self.assertEqual(p.returncode, 0, "radosgw ignores session tokens" + s3env.describe(p))

    def test_mistakes_that_would_send_requests_elsewhere_are_refused(self):
        """An empty --endpoint-url (an unset shell variable), a config file that cannot be read,
        a profile that assumes a role, keys with control bytes: one line, exit 2, nothing sent
        -- not to AWS_ENDPOINT_URL, the profile's endpoint or AWS, and no secret printed."""
        self.write("credentials", "[e2e]\n" + self.good_keys())
        self.write("config", f"[profile e2e]\nendpoint_url = {self.srv.endpoint}\n"
                             "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/r\n"
                             "source_profile = e2e\n" + self.good_keys())
        base = self.env(AWS_PROFILE="e2e", AWS_CA_BUNDLE=self.srv.ca_bundle)
        secret = "s3cr3t-never-print-me"
        cases = (
            ("empty --endpoint-url", ["--endpoint-url", ""],
             {**base, "AWS_ENDPOINT_URL": self.srv.endpoint}, ["--endpoint-url", "empty"]),
            ("empty --region", ["--region", ""], base, ["--region", "empty"]),
            ("config not a regular file", [], {**base, "AWS_CONFIG_FILE": "/dev/zero"},
             ["/dev/zero (named by AWS_CONFIG_FILE)", "not a regular file"]),
            ("config a directory", [], {**base, "AWS_CONFIG_FILE": "/tmp"},
             ["/tmp (named by AWS_CONFIG_FILE)", "it is a directory"]),
            ("CA bundle a directory", ["--ca-bundle", "/tmp"], base,
             ["CA bundle '/tmp' is a directory"]),
            # (Opened for reading, a FIFO waits for a writer for ever.)
            ("CA bundle a FIFO", ["--ca-bundle", self.fifo()], base,
             ["is a named pipe (FIFO)", "pass a PEM file"]),
            ("role_arn beside static keys", ["--profile", "role"], base, ["role_arn"]),
            ("token with CR LF", [],
             {**base, "AWS_ACCESS_KEY_ID": self.srv.access_key,
              "AWS_SECRET_ACCESS_KEY": self.srv.secret_key,
              "AWS_SESSION_TOKEN": f"{secret}\r\nX-Evil: 1"}, ["session token", "control"]),
            ("region with a comment", [], {**base, "AWS_REGION": "eu-west-1 # Ireland"},
             ["region", "eu-west-1 # Ireland"]),
        )
        for why, args, env, words in cases:
            with self.subTest(why):
                with s3env.SniffingProxy(self.srv.http_endpoint) as proxy:
                    env = {**env}
                    if env.get("AWS_ENDPOINT_URL"):
                        env["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{proxy.port}"
                    p = s3env.run(["ls", f"s3://{self.src}/", *args], env=env, timeout=30)
                    line = s3env.assert_clean_error(self, p, 2, *words)
                    self.assertNotIn(secret, line)
                    self.assertEqual(proxy.requests, [], "nothing may be sent")

    def test_explicit_auto_addressing_outranks_the_profile(self):
        # The profile asks for virtual-hosted requests; --addressing-style auto (path style on
        # a custom endpoint) must win over it, as path and virtual do.
        port = self.srv.endpoint.rsplit(":", 1)[1]
        self.write("credentials", "[e2e]\n" + self.good_keys())
        self.write("config", f"[profile e2e]\nendpoint_url = https://s3.localhost:{port}\n"
                             "s3 =\n  addressing_style = virtual\n")
        env = self.env(AWS_PROFILE="e2e", AWS_CA_BUNDLE=self.srv.ca_bundle)
        for args, host in (([], f"{self.src}.s3.localhost:{port}/"),
                           (["--addressing-style", "auto"], f"s3.localhost:{port}/{self.src}")):
            with self.subTest(args=args):
                p = self.assertLists([*args, "--debug"], env=env)
                self.assertIn(f"-> GET {host}?", p.stderr)


def write_self_signed_certificate(directory, not_before, not_after, client_auth_only=False):
    """A certificate for 127.0.0.1 valid from not_before to not_after, signed by itself (so a
    bundle holding it trusts it), made for TLS client authentication alone if
    client_auth_only: (certificate file, key file)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(not_before).not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(
            ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True))
    if client_auth_only:
        certificate = certificate.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    certificate = certificate.sign(key, hashes.SHA256())
    cert_file, key_file = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    with open(cert_file, "wb") as f:
        f.write(certificate.public_bytes(serialization.Encoding.PEM))
    with open(key_file, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return cert_file, key_file


class CertificateDates(unittest.TestCase):
    """A trusted certificate out of its dates is no CA problem: the advice is to look at the
    certificate's dates and the clock (it was to pass --ca-bundle, which was already right)."""

    def serve_tls(self, cert_file, key_file, client_certificate=False):
        """Accepts TLS handshakes on 127.0.0.1 until the test ends (asking for a client
        certificate, signed by cert_file, if client_certificate); returns the port."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
        if client_certificate:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(cert_file)
        listener = socket.create_server(("127.0.0.1", 0))
        self.addCleanup(listener.close)

        def serve():
            while True:
                try:
                    conn, _ = listener.accept()
                except OSError:
                    return  # closed: the test is over
                try:
                    with context.wrap_socket(conn, server_side=True):
                        pass
                except (OSError, ssl.SSLError):
                    pass  # the client refused the certificate, as it should

        threading.Thread(target=serve, daemon=True).start()
        return listener.getsockname()[1]

    def ls_against(self, since, until, *flags, client_auth_only=False,
                   client_certificate=False):
        """`s3loop ls` against a TLS server with a self-signed certificate valid from since to
        until (made for client authentication alone if client_auth_only; the server asking for
        a client certificate if client_certificate), the certificate as --ca-bundle:
        (CompletedProcess, port)."""
        directory = tempfile.mkdtemp(prefix="s3loop-cert-")
        self.addCleanup(shutil.rmtree, directory, ignore_errors=True)
        cert_file, key_file = write_self_signed_certificate(directory, since, until,
                                                            client_auth_only=client_auth_only)
        port = self.serve_tls(cert_file, key_file, client_certificate=client_certificate)
        p = s3env.run(["ls", "s3://some-bucket/", "--endpoint-url", f"https://127.0.0.1:{port}",
                       "--ca-bundle", cert_file, *flags],
                      env=s3env.base_env(AWS_CA_BUNDLE=None), timeout=60)
        return p, port

    def test_expired_or_not_yet_valid_certificate_asks_for_dates_and_clock(self):
        now = datetime.datetime.now(datetime.timezone.utc)
        day = datetime.timedelta(days=1)
        for what, since, until in (("certificate has expired", now - 3 * day, now - day),
                                   ("certificate is not yet valid", now + day, now + 3 * day)):
            with self.subTest(what=what):
                p, port = self.ls_against(since, until)
                line = s3env.assert_clean_error(
                    self, p, 1, f"TLS certificate of 127.0.0.1:{port} not accepted ({what}; "
                    "this machine's clock says ", "check the server certificate's dates and this "
                    "machine's clock")
                self.assertNotIn("--ca-bundle", line)

    def test_a_certificate_unfit_for_a_server_does_not_ask_for_the_ca(self):
        # Trusted, in its dates, for the right address, but made for client authentication:
        # the advice was to pass --ca-bundle with the CA that signed it, already given.
        now = datetime.datetime.now(datetime.timezone.utc)
        day = datetime.timedelta(days=1)
        p, port = self.ls_against(now - day, now + day, client_auth_only=True)
        line = s3env.assert_clean_error(
            self, p, 1, f"TLS certificate of 127.0.0.1:{port} not accepted (unsuitable "
            "certificate purpose; ", "the certificate is refused for itself, whoever signed "
            "it: the server needs one made for TLS server authentication")
        self.assertNotIn("--ca-bundle", line)

    def test_a_server_that_wants_a_client_certificate_says_so_at_once(self):
        # TLS 1.3 asks after the handshake: the refusal came with the first reply, read as
        # "waiting for reply ... certificate required" and retried five times.
        now = datetime.datetime.now(datetime.timezone.utc)
        day = datetime.timedelta(days=1)
        p, _ = self.ls_against(now - day, now + day, "--debug", client_certificate=True)
        errors = [line for line in p.stderr.splitlines() if line.startswith("s3loop: error:")]
        self.assertEqual(len(errors), 1, s3env.describe(p))
        self.assertTrue(errors[0].endswith(
            "the server asks for a client certificate, which s3loop cannot present"),
            s3env.describe(p))
        self.assertEqual(p.returncode, 1, s3env.describe(p))
        self.assertNotIn("attempts)", errors[0], "retried")

if __name__ == "__main__":
    unittest.main()
