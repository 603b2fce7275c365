import sys
import xml.sax
from xml.dom import minidom, pulldom
from xml.sax import handler
from xml.sax.handler import feature_external_ges, feature_external_pes

import defusedxml.ElementTree
import lxml.etree
from flask import Flask, request
from lxml import etree, objectify

app = Flask(__name__)


@app.route("/import", methods=["POST"])
def import_xml():
    upload = request.files["file"]
    # ruleid: lxml-parser-resolves-external-entities
    parser = etree.XMLParser(resolve_entities=True)
    # ruleid: lxml-parser-resolves-external-entities
    parser = lxml.etree.XMLParser(load_dtd=True, no_network=False, resolve_entities=True)
    # ruleid: lxml-parser-resolves-external-entities
    parser = etree.XMLParser(no_network=False)
    # ruleid: lxml-parser-resolves-external-entities
    parser = objectify.makeparser(resolve_entities=True)
    # ok: lxml-parser-resolves-external-entities
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    # ok: lxml-parser-resolves-external-entities
    parser = etree.XMLParser(remove_blank_text=True, no_network=False, resolve_entities=False)
    # ok: lxml-parser-resolves-external-entities
    parser = etree.XMLParser(remove_blank_text=True)
    tree = etree.parse(upload.stream, parser)
    # ok: lxml-parser-resolves-external-entities
    root = defusedxml.ElementTree.fromstring(request.get_data())
    return {"n": len(tree.getroot()), "m": len(root)}


def collect(path, content_handler):
    parser = xml.sax.make_parser()
    # ruleid: sax-external-entity-feature-enabled
    parser.setFeature(feature_external_ges, True)
    # ruleid: sax-external-entity-feature-enabled
    parser.setFeature(handler.feature_external_pes, 1)
    # ruleid: sax-external-entity-feature-enabled
    parser.setFeature(xml.sax.handler.feature_external_ges, True)
    # ok: sax-external-entity-feature-enabled
    parser.setFeature(feature_external_ges, False)
    # ok: sax-external-entity-feature-enabled
    parser.setFeature(feature_external_pes, False)
    # ok: sax-external-entity-feature-enabled
    parser.setFeature(xml.sax.handler.feature_namespaces, True)
    parser.setContentHandler(content_handler)
    parser.parse(path)


def stream(path):
    sax_parser = xml.sax.make_parser()
    # ruleid: sax-external-entity-feature-enabled
    sax_parser.setFeature("http://xml.org/sax/features/external-general-entities", True)
    # ok: sax-external-entity-feature-enabled
    sax_parser.setFeature("http://xml.org/sax/features/external-general-entities", False)
    return pulldom.parse(path, parser=sax_parser)


def preview(text):
    sax_parser = xml.sax.make_parser()
    # ruleid: sax-external-entity-feature-enabled
    sax_parser.setFeature("http://xml.org/sax/features/external-parameter-entities", True)
    return minidom.parseString(text, parser=sax_parser)


def lxml_forms(text):
    import io

    # ruleid: lxml-parser-resolves-external-entities
    parser = etree.ETCompatXMLParser(resolve_entities=True)
    # ok: lxml-parser-resolves-external-entities
    parser = etree.ETCompatXMLParser(resolve_entities=False)
    parser.feed(text)
    root = parser.close()
    # ruleid: lxml-parser-resolves-external-entities
    pull = etree.XMLPullParser(events=("end",), resolve_entities=True)
    # ok: lxml-parser-resolves-external-entities
    pull = etree.XMLPullParser(events=("end",), resolve_entities=False)
    pull.feed(text)
    # ruleid: lxml-parser-resolves-external-entities
    events = etree.iterparse(io.BytesIO(text.encode()), tag="item", resolve_entities=True)
    # ok: lxml-parser-resolves-external-entities
    events = etree.iterparse(io.BytesIO(text.encode()), tag="item", resolve_entities=False)
    # ruleid: lxml-parser-resolves-external-entities
    root = etree.fromstring(text, parser=etree.XMLParser(load_dtd=True, resolve_entities=True))
    # ok: lxml-parser-resolves-external-entities
    root = etree.fromstring(text, parser=etree.XMLParser(load_dtd=True, resolve_entities=False))
    # ruleid: lxml-parser-resolves-external-entities
    parser = etree.XMLParser(no_network=False, huge_tree=True)
    # ok: lxml-parser-resolves-external-entities
    parser = etree.XMLParser(no_network=True, resolve_entities=False, huge_tree=True)
    # ok: lxml-parser-resolves-external-entities
    parser = objectify.makeparser(resolve_entities=False, remove_blank_text=True)
    return root, events, parser


def pulldom_text(text):
    sax_parser = xml.sax.make_parser()
    # ruleid: sax-external-entity-feature-enabled
    sax_parser.setFeature("http://xml.org/sax/features/external-general-entities", True)
    return list(pulldom.parseString(text, parser=sax_parser))


def check_text(text):
    parser = xml.sax.make_parser()
    # ruleid: sax-external-entity-feature-enabled
    parser.setFeature(xml.sax.handler.feature_external_pes, True)
    # ok: sax-external-entity-feature-enabled
    parser.setFeature(xml.sax.handler.feature_external_pes, False)
    parser.setContentHandler(xml.sax.handler.ContentHandler())
    parser.feed(text)
    parser.close()


if __name__ == "__main__":
    collect(sys.argv[1], xml.sax.ContentHandler())
