from emgen.datagen.core_parts import (
    STEPS,
    argument_source,
    form_source,
    json_body_source,
    json_message_source,
    raw_body_source,
    size_limit_web_step,
)
from emgen.schemas.catalog import (
    Composition,
    CoreResult,
    CoreSink,
    CoreSource,
    CoreStep,
    Family,
    Skeleton,
)

# Composed cores: the input is the text of an XML document; the sink parses it and binds either
# the root element ("root") or the text of the matching elements ("values").
_ROOTS = ("root", "document", "tree_root")
_VALUES = ("values", "found", "$plural", "${field}_values")

_SOURCES = (
    form_source("xml", phrase="the XML pasted into the `xml` form field"),
    raw_body_source(phrase="the XML request body", methods=("POST",)),
    json_body_source(
        "document",
        id="json_key",
        phrase="the XML in the `document` key of a JSON request body",
        holder="body",
    ),
    CoreSource(
        id="upload",
        context="web",
        phrase="the XML file uploaded in the `file` field",
        code='$var = request.files["file"].read().decode("utf-8")',
        methods=("POST",),
        imports=("from flask import request",),
    ),
    CoreSource(
        id="values",
        context="web",
        phrase="the XML in the `xml` form field or query parameter",
        code='$var = request.values.get("xml") or ""',
        methods=("GET", "POST"),
        imports=("from flask import request",),
    ),
    CoreSource(
        id="stdin",
        context="script",
        phrase="the XML read from standard input",
        code="$var = sys.stdin.read()",
        imports=("import sys",),
    ),
    CoreSource(
        id="argv_file",
        context="script",
        phrase="the XML file named on the command line",
        code='$var = Path(sys.argv[1]).read_text(encoding="utf-8")',
        imports=("import sys", "from pathlib import Path"),
    ),
    CoreSource(
        id="argparse_file",
        context="script",
        phrase="the XML file given as the `xml_file` command-line argument",
        code='parser = argparse.ArgumentParser(description="Read $plural from XML")\n'
        'parser.add_argument("xml_file")\n'
        'with open(parser.parse_args().xml_file, encoding="utf-8") as fh:\n'
        "    $var = fh.read()",
        imports=("import argparse",),
    ),
    CoreSource(
        id="fetched",
        context="script",
        phrase="the XML fetched from the URL given on the command line",
        code="with urllib.request.urlopen(sys.argv[1], timeout=30) as response:\n"
        '    $var = response.read().decode("utf-8")',
        imports=("import sys", "import urllib.request"),
    ),
    json_message_source(
        "xml", phrase="the XML in the `xml` field of a JSON message read from standard input"
    ),
    argument_source("XML text"),
)

_STEPS = (
    *(s for s in STEPS if s.id in {"strip", "log", "to_text", "require_web", "require_script"}),
    CoreStep(id="drop_bom", code='$var = $var.lstrip("\\ufeff")'),
    CoreStep(
        id="looks_like_xml_web",
        context="web",
        code='if not $var.lstrip().startswith("<"):\n    return {"error": "not an XML document"}, 400',
    ),
    CoreStep(
        id="looks_like_xml_script",
        context="script",
        code='if not $var.lstrip().startswith("<"):\n    sys.exit("not an XML document")',
        imports=("import sys",),
    ),
    size_limit_web_step("1_000_000"),
)

_SINKS = (
    CoreSink(
        id="lxml_parser_var",
        name="parse_$entity",
        phrase="parse $input with lxml",
        produces="root",
        out_names=_ROOTS,
        imports=("from lxml import etree",),
        insecure="""
parser = etree.XMLParser(resolve_entities=True)
$out = etree.fromstring($var, parser)
""",
        secure="""
parser = etree.XMLParser(resolve_entities=False, no_network=True)
$out = etree.fromstring($var, parser)
""",
    ),
    CoreSink(
        id="lxml_inline_parser",
        name="read_$entity",
        phrase="read $input with lxml, DTD included,",
        produces="root",
        out_names=_ROOTS,
        imports=("from lxml import etree",),
        insecure="$out = etree.fromstring($var, parser=etree.XMLParser(load_dtd=True, "
        "resolve_entities=True))",
        secure="$out = etree.fromstring($var, parser=etree.XMLParser(load_dtd=True, "
        "resolve_entities=False))",
    ),
    CoreSink(
        id="lxml_network",
        name="load_$entity",
        phrase="load $input with lxml (very large documents allowed)",
        produces="root",
        out_names=_ROOTS,
        imports=("from lxml import etree",),
        insecure="""
parser = etree.XMLParser(no_network=False, huge_tree=True)
$out = etree.XML($var, parser)
""",
        secure="""
parser = etree.XMLParser(no_network=True, resolve_entities=False, huge_tree=True)
$out = etree.XML($var, parser)
""",
    ),
    CoreSink(
        id="objectify",
        name="objectify_$entity",
        phrase="turn $input into an lxml.objectify tree",
        produces="root",
        out_names=_ROOTS,
        imports=("from lxml import objectify",),
        insecure="""
parser = objectify.makeparser(resolve_entities=True, remove_blank_text=True)
$out = objectify.fromstring($var, parser)
""",
        secure="""
parser = objectify.makeparser(resolve_entities=False, remove_blank_text=True)
$out = objectify.fromstring($var, parser)
""",
    ),
    CoreSink(
        id="lxml_parse_buffer",
        name="validate_$entity",
        phrase="validate $input against its DTD with lxml",
        produces="root",
        out_names=_ROOTS,
        imports=("import io", "from lxml import etree"),
        insecure="""
parser = etree.XMLParser(dtd_validation=True, resolve_entities=True)
tree = etree.parse(io.StringIO($var), parser)
$out = tree.getroot()
""",
        secure="""
parser = etree.XMLParser(dtd_validation=True, resolve_entities=False, no_network=True)
tree = etree.parse(io.StringIO($var), parser)
$out = tree.getroot()
""",
    ),
    CoreSink(
        id="lxml_feed",
        name="build_$entity",
        phrase="feed $input to an ElementTree-compatible lxml parser",
        produces="root",
        out_names=_ROOTS,
        imports=("from lxml import etree",),
        insecure="""
parser = etree.ETCompatXMLParser(resolve_entities=True)
parser.feed($var)
$out = parser.close()
""",
        secure="""
parser = etree.ETCompatXMLParser(resolve_entities=False)
parser.feed($var)
$out = parser.close()
""",
    ),
    CoreSink(
        id="lxml_iterparse",
        name="scan_$plural",
        phrase="collect the `$field` of each <$entity> element streamed from $input",
        produces="values",
        out_names=_VALUES,
        imports=("import io", "from lxml import etree"),
        insecure="""
$out = []
events = etree.iterparse(io.BytesIO($var.encode()), tag="$entity", resolve_entities=True)
for _, element in events:
    $out.append(element.findtext("$field", ""))
    element.clear()
""",
        secure="""
$out = []
events = etree.iterparse(io.BytesIO($var.encode()), tag="$entity", resolve_entities=False)
for _, element in events:
    $out.append(element.findtext("$field", ""))
    element.clear()
""",
    ),
    CoreSink(
        id="lxml_pull",
        name="collect_$plural",
        phrase="collect the text of every <$field> element in $input with an lxml pull parser",
        produces="values",
        out_names=_VALUES,
        imports=("from lxml import etree",),
        insecure="""
parser = etree.XMLPullParser(events=("end",), resolve_entities=True)
parser.feed($var)
$out = [el.text or "" for _, el in parser.read_events() if el.tag == "$field"]
""",
        secure="""
parser = etree.XMLPullParser(events=("end",), resolve_entities=False)
parser.feed($var)
$out = [el.text or "" for _, el in parser.read_events() if el.tag == "$field"]
""",
    ),
    CoreSink(
        id="minidom_sax",
        name="list_$plural",
        phrase="read $input with minidom and collect the text of its <$field> elements",
        produces="values",
        out_names=_VALUES,
        imports=(
            "import xml.sax",
            "from xml.dom import minidom",
            "from xml.sax.handler import feature_external_ges",
        ),
        insecure="""
sax_parser = xml.sax.make_parser()
sax_parser.setFeature(feature_external_ges, True)
document = minidom.parseString($var, parser=sax_parser)
$out = [
    node.firstChild.data
    for node in document.getElementsByTagName("$field")
    if node.firstChild is not None
]
""",
        secure="""
sax_parser = xml.sax.make_parser()
sax_parser.setFeature(feature_external_ges, False)
document = minidom.parseString($var, parser=sax_parser)
$out = [
    node.firstChild.data
    for node in document.getElementsByTagName("$field")
    if node.firstChild is not None
]
""",
    ),
    CoreSink(
        id="pulldom_sax",
        name="extract_$plural",
        phrase="walk $input with pulldom and collect the `$field` attribute of each <$entity>",
        produces="values",
        out_names=_VALUES,
        imports=("import xml.sax", "from xml.dom import pulldom"),
        insecure="""
sax_parser = xml.sax.make_parser()
sax_parser.setFeature("http://xml.org/sax/features/external-general-entities", True)
$out = []
for event, node in pulldom.parseString($var, parser=sax_parser):
    if event == pulldom.START_ELEMENT and node.tagName == "$entity":
        $out.append(node.getAttribute("$field"))
""",
        secure="""
sax_parser = xml.sax.make_parser()
sax_parser.setFeature("http://xml.org/sax/features/external-general-entities", False)
$out = []
for event, node in pulldom.parseString($var, parser=sax_parser):
    if event == pulldom.START_ELEMENT and node.tagName == "$entity":
        $out.append(node.getAttribute("$field"))
""",
    ),
    CoreSink(
        id="sax_feed_pes",
        name="check_$entity",
        phrase="check that $input is well-formed XML, including its external DTD subset",
        produces="values",
        out_names=("problems", "errors"),
        imports=("import xml.sax", "import xml.sax.handler"),
        insecure="""
parser = xml.sax.make_parser()
parser.setFeature(xml.sax.handler.feature_external_pes, True)
parser.setContentHandler(xml.sax.handler.ContentHandler())
$out = []
try:
    parser.feed($var)
    parser.close()
except xml.sax.SAXParseException as exc:
    $out.append(str(exc))
""",
        secure="""
parser = xml.sax.make_parser()
parser.setFeature(xml.sax.handler.feature_external_pes, False)
parser.setContentHandler(xml.sax.handler.ContentHandler())
$out = []
try:
    parser.feed($var)
    parser.close()
except xml.sax.SAXParseException as exc:
    $out.append(str(exc))
""",
    ),
)

_RESULTS = (
    CoreResult(
        id="children_json",
        context="web",
        consumes=("root",),
        phrase="answer with its child elements' text as JSON",
        code='return jsonify({child.tag: (child.text or "").strip() for child in $out})',
        imports=("from flask import jsonify",),
    ),
    CoreResult(
        id="summary_json",
        context="web",
        consumes=("root",),
        phrase="answer with the root tag and how many children it has",
        code='return {"tag": $out.tag, "children": len($out)}',
    ),
    CoreResult(
        id="entity_fields",
        context="web",
        consumes=("root",),
        phrase="return the `$field` of every <$entity> element as JSON",
        code='return jsonify([el.findtext("$field", "") for el in $out.iter("$entity")])',
        imports=("from flask import jsonify",),
    ),
    CoreResult(
        id="values_json",
        context="web",
        consumes=("values",),
        phrase="return what it found and how many, as JSON",
        code='return {"$plural": $out, "count": len($out)}',
    ),
    CoreResult(
        id="values_or_422",
        context="web",
        consumes=("values",),
        phrase="answer 422 when it found nothing, or the list as JSON",
        code="if not $out:\n    abort(422)\nreturn jsonify($out)",
        imports=("from flask import abort, jsonify",),
    ),
    CoreResult(
        id="created",
        context="web",
        consumes=("values", "root"),
        phrase="answer 201 with how many items it holds",
        code="return jsonify(items=len($out)), 201",
        imports=("from flask import jsonify",),
    ),
    CoreResult(
        id="print_children",
        context="script",
        consumes=("root",),
        phrase="print the tag and text of each child element",
        code='for child in $out:\n    print(child.tag, (child.text or "").strip())',
    ),
    CoreResult(
        id="print_root",
        context="script",
        consumes=("root",),
        phrase="print the root tag and the number of children",
        code='print(f"{$out.tag}: {len($out)} children")',
    ),
    CoreResult(
        id="print_lines",
        context="script",
        consumes=("values",),
        phrase="print each item on its own line",
        code='print("\\n".join($out))',
    ),
    CoreResult(
        id="numbered",
        context="script",
        consumes=("values",),
        phrase="print a numbered list of them",
        code='for number, value in enumerate($out, 1):\n    print(f"{number}. {value}")',
    ),
    CoreResult(
        id="exit_status",
        context="script",
        consumes=("values", "root"),
        phrase="exit with 1 when it is empty",
        code="return 0 if len($out) else 1",
    ),
    CoreResult(
        id="save_json",
        context="script",
        consumes=("values",),
        phrase="save the list as JSON in `$dir/$plural.json`",
        code='with open("$dir/$plural.json", "w", encoding="utf-8") as fh:\n'
        "    json.dump($out, fh, indent=2)",
        imports=("import json",),
    ),
)


FAMILY = Family(
    id="xxe",
    cwe="CWE-611",
    title="XML external entity expansion: parser configured to resolve external entities",
    rule_ids=("lxml-parser-resolves-external-entities", "sax-external-entity-feature-enabled"),
    paper_weight=2,
    composition=Composition(
        sources=_SOURCES,
        steps=_STEPS,
        sinks=_SINKS,
        results=_RESULTS,
        layouts=("inline", "helper"),
        var_names=("xml_text", "payload", "${entity}_xml", "raw"),
    ),
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
