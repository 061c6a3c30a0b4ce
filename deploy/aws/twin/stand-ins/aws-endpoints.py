# Twin stand-ins for two AWS endpoints an instance talks to over HTTP(S):
#   http://169.254.169.254    IMDSv2: PUT /latest/api/token, then GET /latest/meta-data/... with the
#                             token (a request without it is refused, as with HttpTokens required)
#   https://127.0.0.1:443     AWS's agent packages (s3.REGION.amazonaws.com/amazon-ssm-REGION/...,
#                             amazoncloudwatch-agent-REGION.s3.../debian/...), the stand-in .debs
import http.server, os, secrets, socket, ssl, threading

HERE = os.path.dirname(os.path.abspath(__file__))
TOKENS = set()
INSTANCE_ID = 'i-' + socket.gethostname()

class Imds(http.server.BaseHTTPRequestHandler):
    def do_PUT(self):
        if self.path != '/latest/api/token':
            return self.send_error(404)
        token = secrets.token_hex(16)
        TOKENS.add(token)
        self.reply(token)
    def do_GET(self):
        if self.headers.get('X-aws-ec2-metadata-token') not in TOKENS:
            return self.send_error(401)
        values = {'/latest/meta-data/instance-id': INSTANCE_ID, '/latest/meta-data/local-ipv4': socket.gethostbyname(socket.gethostname())}
        if self.path not in values:
            return self.send_error(404)
        self.reply(values[self.path])
    def reply(self, text):
        body = text.encode()
        self.send_response(200)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

class Packages(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        name = os.path.basename(self.path)
        path = os.path.join(HERE, 'www', name)
        if not name.endswith('.deb') or not os.path.exists(path):
            return self.send_error(404)
        with open(path, 'rb') as f:
            body = f.read()
        self.send_response(200)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

imds = http.server.ThreadingHTTPServer(('169.254.169.254', 80), Imds)
packages = http.server.ThreadingHTTPServer(('127.0.0.1', 443), Packages)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(os.path.join(HERE, 'tls.crt'), os.path.join(HERE, 'tls.key'))
packages.socket = context.wrap_socket(packages.socket, server_side=True)
threading.Thread(target=packages.serve_forever, daemon=True).start()
imds.serve_forever()
