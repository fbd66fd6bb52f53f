"""A real SMTP server for vmrotate's notification tests (aiosmtpd, loopback only).

STARTTLS mode requires STARTTLS before anything else and AUTH (only over TLS) before MAIL;
implicit mode speaks TLS from the first byte and requires AUTH. Each message received is
parsed with Python's e-mail package and written to OUT_DIR as <n>.json: the authenticated
user, the envelope, the headers, the text part and the attachments (name, content type,
decoded text). Prints "ready <port>" once listening, then serves until stdin closes.

usage: smtp_server.py starttls|implicit CERT KEY USER PASSWORD OUT_DIR PORT
"""

import email
import email.policy
import json
import pathlib
import ssl
import sys
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def main() -> None:
    mode, cert, key, user, password, out_dir, port = sys.argv[1:8]
    out = pathlib.Path(out_dir)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == user
            and auth_data.password.decode() == password
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data.login if ok else None)

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            message = email.message_from_bytes(
                envelope.original_content, policy=email.policy.default
            )
            text = message.get_body(preferencelist=("plain",))
            record = {
                "user": (session.auth_data or b"").decode(),
                "mail_from": envelope.mail_from,
                "rcpt_tos": envelope.rcpt_tos,
                "subject": str(message["Subject"]),
                "from": str(message["From"]),
                "to": str(message["To"]),
                "text": text.get_content().replace("\r\n", "\n") if text else None,
                "attachments": [
                    {
                        "name": part.get_filename(),
                        "content_type": part.get_content_type(),
                        "content": part.get_payload(decode=True).decode(),
                    }
                    for part in message.iter_attachments()
                ],
            }
            index = len(list(out.glob("*.json")))
            partial = out / f"{index}.partial"
            partial.write_text(json.dumps(record))
            partial.rename(out / f"{index}.json")
            return "250 OK"

    common = dict(
        hostname="127.0.0.1",
        port=int(port),
        authenticator=authenticator,
        auth_required=True,
    )
    if mode == "starttls":
        controller = Controller(
            Handler(), tls_context=context, require_starttls=True, **common
        )
    else:
        # The socket itself is TLS: aiosmtpd's auth_require_tls only knows STARTTLS.
        warnings.simplefilter("ignore")
        controller = Controller(
            Handler(), ssl_context=context, auth_require_tls=False, **common
        )
    controller.start()
    print(f"ready {controller.server.sockets[0].getsockname()[1]}", flush=True)
    sys.stdin.read()
    controller.stop()


if __name__ == "__main__":
    main()
