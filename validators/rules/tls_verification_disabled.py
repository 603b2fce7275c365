import ssl
import smtplib
import urllib.request

import aiohttp
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
