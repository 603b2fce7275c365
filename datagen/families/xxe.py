from emgen.schemas.catalog import Family, Skeleton

FAMILY = Family(
    id="xxe",
    cwe="CWE-611",
    title="XML external entity expansion: parser configured to resolve external entities",
    rule_ids=("lxml-parser-resolves-external-entities", "sax-external-entity-feature-enabled"),
    paper_weight=2,
    skeletons=(
        Skeleton(
            id="xxe.lxml_upload",
            context="web",
            feature="import $plural from an uploaded XML file where each <$entity> element has $field and $field2 children",
            imports=("from flask import jsonify, request", "from lxml import etree"),
            body="""
${plural}_imported = []


@app.route("/$route/import-xml", methods=["POST"])
def import_${plural}_xml():
    upload = request.files.get("file")
    if upload is None:
        return jsonify({"error": "missing file"}), 400
<<<
    parser = etree.XMLParser(resolve_entities=True)
===
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
>>>
    try:
        tree = etree.parse(upload.stream, parser)
    except etree.XMLSyntaxError as exc:
        return jsonify({"error": str(exc)}), 400
    for node in tree.getroot().iter("$entity"):
        ${plural}_imported.append(
            {"$field": node.findtext("$field", ""), "$field2": node.findtext("$field2", "")}
        )
    return jsonify({"imported": len(${plural}_imported)})
""",
        ),
        Skeleton(
            id="xxe.sax_counter",
            context="script",
            feature="count the <$entity> elements in an XML export given on the command line and list their $field values",
            imports=(
                "import sys",
                "import xml.sax",
                "from xml.sax.handler import feature_external_ges",
            ),
            body="""
class ${Entity}Collector(xml.sax.ContentHandler):
    def __init__(self):
        super().__init__()
        self.values = []
        self._buffer = None

    def startElement(self, name, attrs):
        if name == "$field":
            self._buffer = []

    def characters(self, content):
        if self._buffer is not None:
            self._buffer.append(content)

    def endElement(self, name):
        if name == "$field" and self._buffer is not None:
            self.values.append("".join(self._buffer).strip())
            self._buffer = None


def collect_${entity}_values(path):
    handler = ${Entity}Collector()
    parser = xml.sax.make_parser()
<<<
    parser.setFeature(feature_external_ges, True)
===
    parser.setFeature(feature_external_ges, False)
>>>
    parser.setContentHandler(handler)
    parser.parse(path)
    return handler.values


if __name__ == "__main__":
    found = collect_${entity}_values(sys.argv[1])
    print(f"{len(found)} $plural")
    for value in found:
        print(" -", value)
""",
        ),
        Skeleton(
            id="xxe.api_body",
            context="web",
            feature="accept a $entity sent as an XML document in the request body and answer with its fields as JSON",
            imports=("from flask import jsonify, request",),
            insecure_imports=("from lxml import etree",),
            secure_imports=("from defusedxml import ElementTree",),
            body="""
@app.route("/$route/xml", methods=["POST"])
def receive_${entity}_xml():
    payload = request.get_data()
<<<
    parser = etree.XMLParser(load_dtd=True, no_network=False, resolve_entities=True)
    root = etree.fromstring(payload, parser)
===
    root = ElementTree.fromstring(payload)
>>>
    received = {child.tag: (child.text or "").strip() for child in root}
    missing = [name for name in ("$field", "$field2") if name not in received]
    if missing:
        return jsonify({"error": "missing " + ", ".join(missing)}), 422
    return jsonify(received), 201
""",
        ),
        Skeleton(
            id="xxe.pulldom_stream",
            context="script",
            feature="stream a large XML dump of $plural given as an argument and print each $entity's $field and $field3",
            imports=("import argparse", "from xml.dom.pulldom import START_ELEMENT"),
            insecure_imports=(
                "import xml.sax",
                "from xml.dom import pulldom",
                "from xml.sax.handler import feature_external_ges",
            ),
            secure_imports=("from defusedxml import pulldom",),
            body="""
def stream_${plural}(path):
<<<
    sax_parser = xml.sax.make_parser()
    sax_parser.setFeature(feature_external_ges, True)
    events = pulldom.parse(path, parser=sax_parser)
===
    events = pulldom.parse(path)
>>>
    for event, node in events:
        if event == START_ELEMENT and node.tagName == "$entity":
            events.expandNode(node)
            first = node.getElementsByTagName("$field")
            third = node.getElementsByTagName("$field3")
            yield (
                first[0].firstChild.data if first and first[0].firstChild else "",
                third[0].firstChild.data if third and third[0].firstChild else "",
            )


def main():
    parser = argparse.ArgumentParser(description="List $plural from an XML dump")
    parser.add_argument("dump")
    args = parser.parse_args()
    for first, third in stream_${plural}(args.dump):
        print(f"{first}\\t{third}")


if __name__ == "__main__":
    main()
""",
        ),
        Skeleton(
            id="xxe.minidom_feed",
            context="web",
            feature="let users paste an XML feed of $plural into a form and show how many <item> entries it has and their titles",
            imports=("from flask import jsonify, request",),
            insecure_imports=("import xml.sax", "from xml.dom import minidom"),
            secure_imports=("from defusedxml import minidom",),
            body="""
@app.route("/$route/feed-preview", methods=["POST"])
def preview_${entity}_feed():
    text = request.form.get("feed", "")
    try:
<<<
        sax_parser = xml.sax.make_parser()
        sax_parser.setFeature("http://xml.org/sax/features/external-general-entities", True)
        document = minidom.parseString(text, parser=sax_parser)
===
        document = minidom.parseString(text)
>>>
    except Exception as exc:
        return jsonify({"error": f"not a feed: {exc}"}), 400
    titles = []
    for item in document.getElementsByTagName("item"):
        nodes = item.getElementsByTagName("title")
        if nodes and nodes[0].firstChild is not None:
            titles.append(nodes[0].firstChild.data)
    return jsonify({"items": len(titles), "titles": titles[:20]})
""",
        ),
        Skeleton(
            id="xxe.folder_importer",
            context="script",
            feature="read every XML file in a folder of $plural passed with --folder and print a one-line summary per file",
            imports=(
                "import argparse",
                "from dataclasses import dataclass, field",
                "from pathlib import Path",
                "from lxml import etree",
            ),
            body="""
@dataclass
class ${Entity}XmlImporter:
    folder: Path
    summaries: list = field(default_factory=list)

    def __post_init__(self):
<<<
        self.parser = etree.XMLParser(remove_blank_text=True, no_network=False, resolve_entities=True)
===
        self.parser = etree.XMLParser(remove_blank_text=True, no_network=True, resolve_entities=False)
>>>

    def run(self):
        for path in sorted(self.folder.glob("*.xml")):
            root = etree.parse(str(path), self.parser).getroot()
            names = [el.findtext("$field", "") for el in root.iter("$entity")]
            self.summaries.append(f"{path.name}: {len(names)} $plural, first {names[:1]}")
        return self.summaries


if __name__ == "__main__":
    cli = argparse.ArgumentParser()
    cli.add_argument("--folder", default="$dir")
    for line in ${Entity}XmlImporter(Path(cli.parse_args().folder)).run():
        print(line)
""",
        ),
    ),
)
