import http.client
import json
import smtplib
import socket
import ssl
import urllib.request
from urllib.parse import urlsplit

import aiohttp
import certifi
import httpx
import requests
import urllib3

CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def fetch(url):
    # ruleid: tls-certificate-check-disabled
    resp = requests.get(url, params={"page": 1}, timeout=10, verify=False)
    # ok: tls-certificate-check-disabled
    resp = requests.get(url, params={"page": 1}, timeout=10)
    # ok: tls-certificate-check-disabled
    resp = requests.get(url, timeout=10, verify=CA_BUNDLE)
    # ruleid: tls-certificate-check-disabled
    requests.post(url, json={"a": 1}, verify=False)
    return resp.json()


class Client:
    def __init__(self):
        self.session = requests.Session()
        # ruleid: tls-certificate-check-disabled
        self.session.verify = False
        # ok: tls-certificate-check-disabled
        self.session.verify = CA_BUNDLE


def proxy(url):
    # ruleid: tls-certificate-check-disabled
    with httpx.Client(verify=False, timeout=5) as client:
        return client.get(url).json()


def proxy_ok(url):
    # ok: tls-certificate-check-disabled
    with httpx.Client(timeout=5) as client:
        return client.get(url).json()


async def gather(urls):
    # ruleid: tls-certificate-check-disabled
    connector = aiohttp.TCPConnector(ssl=False, limit=10)
    # ok: tls-certificate-check-disabled
    connector = aiohttp.TCPConnector(limit=10)
    async with aiohttp.ClientSession(connector=connector) as session:
        # ruleid: tls-certificate-check-disabled
        async with session.get(urls[0], ssl=False) as resp:
            return await resp.json()


def legacy(url):
    # ruleid: tls-unverified-ssl-context
    with urllib.request.urlopen(url, context=ssl._create_unverified_context()) as resp:
        return resp.read()


def legacy_ok(url):
    # ok: tls-unverified-ssl-context
    with urllib.request.urlopen(url, context=ssl.create_default_context()) as resp:
        return resp.read()


def mail(msg):
    context = ssl.create_default_context()
    # ruleid: tls-unverified-ssl-context
    context.check_hostname = False
    # ruleid: tls-unverified-ssl-context
    context.verify_mode = ssl.CERT_NONE
    # ok: tls-unverified-ssl-context
    context.verify_mode = ssl.CERT_REQUIRED
    with smtplib.SMTP_SSL("smtp.example.com", 465, context=context) as server:
        server.send_message(msg)


def pool():
    # ruleid: tls-unverified-ssl-context
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    # ruleid: tls-unverified-ssl-context
    http = urllib3.PoolManager(cert_reqs="CERT_NONE")
    # ok: tls-unverified-ssl-context
    http = urllib3.PoolManager(cert_reqs="CERT_REQUIRED", ca_certs=CA_BUNDLE)
    return http


# ruleid: tls-unverified-ssl-context
ssl._create_default_https_context = ssl._create_unverified_context


# Composed sinks (datagen/families/tls_verification_disabled.py).
def requests_json_bad(url):
    # ruleid: tls-certificate-check-disabled
    out = requests.get(url, timeout=10, verify=False).json()
    return out


def requests_json_good(url):
    # ok: tls-certificate-check-disabled
    out = requests.get(url, timeout=10).json()
    return out


def requests_raise_text_bad(url):
    # ruleid: tls-certificate-check-disabled
    response = requests.get(url, headers={"Accept": "text/plain"}, timeout=15, verify=False)
    response.raise_for_status()
    out = response.text
    return out


def requests_raise_text_good(url):
    # ok: tls-certificate-check-disabled
    response = requests.get(url, headers={"Accept": "text/plain"}, timeout=15)
    response.raise_for_status()
    out = response.text
    return out


def session_attribute_bad(url):
    session = requests.Session()
    # ruleid: tls-certificate-check-disabled
    session.verify = False
    session.headers["User-Agent"] = "reports_app/1.0"
    out = session.get(url, timeout=10).json()
    return out


def session_attribute_good(url):
    session = requests.Session()
    # ok: tls-certificate-check-disabled
    session.verify = certifi.where()
    session.headers["User-Agent"] = "reports_app/1.0"
    out = session.get(url, timeout=10).json()
    return out


def session_post_bad(url):
    with requests.Session() as session:
        # ruleid: tls-certificate-check-disabled
        reply = session.post(url, json={"source": "reports_app"}, timeout=10, verify=False)
    out = reply.status_code
    return out


def session_post_good(url):
    with requests.Session() as session:
        # ok: tls-certificate-check-disabled
        reply = session.post(url, json={"source": "reports_app"}, timeout=10)
    out = reply.status_code
    return out


def requests_request_header_bad(url):
    # ruleid: tls-certificate-check-disabled
    out = requests.request("GET", url, timeout=10, verify=False).headers.get(
        "Content-Type", ""
    )
    return out


def requests_request_header_good(url):
    # ok: tls-certificate-check-disabled
    out = requests.request("GET", url, timeout=10).headers.get("Content-Type", "")
    return out


def requests_stream_save_bad(url):
    # ruleid: tls-certificate-check-disabled
    with requests.get(url, stream=True, timeout=30, verify=False) as reply:
        reply.raise_for_status()
        with open("data/download.bin", "wb") as handle:
            for chunk in reply.iter_content(chunk_size=65536):
                handle.write(chunk)


def requests_stream_save_good(url):
    # ok: tls-certificate-check-disabled
    with requests.get(url, stream=True, timeout=30) as reply:
        reply.raise_for_status()
        with open("data/download.bin", "wb") as handle:
            for chunk in reply.iter_content(chunk_size=65536):
                handle.write(chunk)


def urllib_cert_none_bad(url):
    context = ssl.create_default_context()
    # ruleid: tls-unverified-ssl-context
    context.check_hostname = False
    # ruleid: tls-unverified-ssl-context
    context.verify_mode = ssl.CERT_NONE
    with urllib.request.urlopen(url, context=context, timeout=10) as reply:
        out = reply.read().decode("utf-8")
    return out


def urllib_cert_none_good(url):
    # ok: tls-unverified-ssl-context
    context = ssl.create_default_context()
    # ok: tls-unverified-ssl-context
    with urllib.request.urlopen(url, context=context, timeout=10) as reply:
        out = reply.read().decode("utf-8")
    return out


def urllib_request_json_bad(url):
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    # ruleid: tls-unverified-ssl-context
    context.check_hostname = False
    # ruleid: tls-unverified-ssl-context
    context.verify_mode = ssl.CERT_NONE
    with urllib.request.urlopen(request, context=context, timeout=20) as reply:
        out = json.load(reply)
    return out


def urllib_request_json_good(url):
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    # ok: tls-unverified-ssl-context
    context = ssl.create_default_context()
    # ok: tls-unverified-ssl-context
    with urllib.request.urlopen(request, context=context, timeout=20) as reply:
        out = json.load(reply)
    return out


def httpx_client_bad(url):
    # ruleid: tls-certificate-check-disabled
    with httpx.Client(verify=False, timeout=10.0, follow_redirects=True) as client:
        out = client.get(url).json()
    return out


def httpx_client_good(url):
    # ok: tls-certificate-check-disabled
    with httpx.Client(timeout=10.0, follow_redirects=True) as client:
        out = client.get(url).json()
    return out


def httpx_head_bad(url):
    # ruleid: tls-certificate-check-disabled
    out = httpx.head(url, verify=False, timeout=5.0).status_code
    return out


def httpx_head_good(url):
    # ok: tls-certificate-check-disabled
    out = httpx.head(url, timeout=5.0).status_code
    return out


def urllib3_pool_bad(url):
    # ruleid: tls-unverified-ssl-context
    urllib3.disable_warnings()
    # ruleid: tls-unverified-ssl-context
    http = urllib3.PoolManager(cert_reqs="CERT_NONE")
    out = http.request("GET", url, timeout=10.0).data.decode("utf-8")
    return out


def urllib3_pool_good(url):
    # ok: tls-unverified-ssl-context
    http = urllib3.PoolManager(cert_reqs="CERT_REQUIRED", ca_certs=certifi.where())
    out = http.request("GET", url, timeout=10.0).data.decode("utf-8")
    return out


def http_client_head_bad(url):
    parts = urlsplit(url)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    # ruleid: tls-unverified-ssl-context
    context.check_hostname = False
    # ruleid: tls-unverified-ssl-context
    context.verify_mode = ssl.CERT_NONE
    conn = http.client.HTTPSConnection(parts.hostname, parts.port or 443, context=context, timeout=10)
    conn.request("HEAD", parts.path or "/")
    out = conn.getresponse().status
    conn.close()
    return out


def http_client_head_good(url):
    parts = urlsplit(url)
    # ok: tls-unverified-ssl-context
    context = ssl.create_default_context()
    conn = http.client.HTTPSConnection(parts.hostname, parts.port or 443, context=context, timeout=10)
    conn.request("HEAD", parts.path or "/")
    out = conn.getresponse().status
    conn.close()
    return out


def socket_tls_version_bad(url):
    host = urlsplit(url).hostname or url
    context = ssl.create_default_context()
    # ruleid: tls-unverified-ssl-context
    context.check_hostname = False
    # ruleid: tls-unverified-ssl-context
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection((host, 443), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=host) as tls:
            out = tls.version()
    return out


def socket_tls_version_good(url):
    host = urlsplit(url).hostname or url
    # ok: tls-unverified-ssl-context
    context = ssl.create_default_context()
    with socket.create_connection((host, 443), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=host) as tls:
            out = tls.version()
    return out


def requests_post_form_bad(url):
    # ruleid: tls-certificate-check-disabled
    out = requests.post(
        url, data={"title": "sample"}, timeout=10, verify=False
    ).status_code
    return out


def requests_post_form_good(url):
    # ok: tls-certificate-check-disabled
    out = requests.post(url, data={"title": "sample"}, timeout=10).status_code
    return out
