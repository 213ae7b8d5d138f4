# FTPS (explicit TLS, RFC 4217) test peer: pyftpdlib's own TLS_FTPHandler, configured here
# because `python3 -m pyftpdlib` has no TLS options. Needs python3-openssl (pyftpdlib's TLS
# support is built on pyOpenSSL). Run with Debian's /usr/bin/python3.
#
# usage: ftps-server.py PORT USER PASSWORD DIR CERTFILE KEYFILE rw|ro
import sys

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import TLS_DTPHandler, TLS_FTPHandler
from pyftpdlib.servers import FTPServer

port, user, password, root, certfile, keyfile, mode = sys.argv[1:8]

authorizer = DummyAuthorizer()
# Same permissions as the pyftpdlib command line gives with and without -w.
authorizer.add_user(user, password, root, perm="elradfmwMT" if mode == "rw" else "elr")



class DataChannel(TLS_DTPHandler):
    # pyftpdlib 1.5.7 closes a passive data connection whose TLS handshake begins before the
    # transfer command arrives (its DTPHandler.readable() closes a channel that is not yet
    # receiving), so clients that secure the data connection first (curl, basic-ftp) get a
    # reset. Fixed upstream in 1.5.8 (pyftpdlib PR #612); stay readable during the handshake.
    def readable(self):
        return self._ssl_accepting or super().readable()


handler = TLS_FTPHandler
handler.dtp_handler = DataChannel
handler.certfile = certfile
handler.keyfile = keyfile
handler.authorizer = authorizer
# Refuse plain-text logins and data: a client that skips AUTH TLS or PROT P fails the test.
handler.tls_control_required = True
handler.tls_data_required = True

server = FTPServer(("127.0.0.1", int(port)), handler)
server.serve_forever()
