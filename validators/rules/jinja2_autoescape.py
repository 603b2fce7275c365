import io

import jinja2
from jinja2 import (
    DictLoader,
    Environment,
    FileSystemLoader,
    FunctionLoader,
    StrictUndefined,
    Template,
    select_autoescape,
)
from jinja2.sandbox import SandboxedEnvironment


def report_bad(folder):
    # ruleid: jinja2-autoescape-disabled
    env = Environment(loader=FileSystemLoader(folder))
    return env.get_template("report.html")


def report_good(folder):
    # ok: jinja2-autoescape-disabled
    env = Environment(loader=FileSystemLoader(folder), autoescape=select_autoescape(["html", "xml"]))
    return env.get_template("report.html")


def digest_bad(items):
    # ruleid: jinja2-autoescape-disabled
    template = Template("<ul>{% for i in items %}<li>{{ i }}</li>{% endfor %}</ul>")
    return template.render(items=items)


def digest_good(items):
    # ok: jinja2-autoescape-disabled
    template = Template("<ul>{% for i in items %}<li>{{ i }}</li>{% endfor %}</ul>", autoescape=True)
    return template.render(items=items)


# ruleid: jinja2-autoescape-disabled
cards = Environment(
    loader=DictLoader({"card.html": "<h2>{{ title }}</h2>"}),
    autoescape=False,
)

# ok: jinja2-autoescape-disabled
cards_on = Environment(
    loader=DictLoader({"card.html": "<h2>{{ title }}</h2>"}),
    autoescape=True,
)

# ruleid: jinja2-autoescape-disabled
quotes = jinja2.Environment()

# ok: jinja2-autoescape-disabled
quotes_on = jinja2.Environment(autoescape=True)

# ruleid: jinja2-autoescape-disabled
pages = jinja2.Environment(undefined=jinja2.StrictUndefined, trim_blocks=True)

# ok: jinja2-autoescape-disabled
pages_on = jinja2.Environment(undefined=StrictUndefined, trim_blocks=True, autoescape=jinja2.select_autoescape())

# ruleid: jinja2-autoescape-disabled
sandbox = SandboxedEnvironment()

# ok: jinja2-autoescape-disabled
sandbox_on = SandboxedEnvironment(autoescape=True)


def configured(options):
    # ok: jinja2-autoescape-disabled
    return Environment(**options)


def from_setting(setting):
    # ok: jinja2-autoescape-disabled
    return Environment(autoescape=setting)


def strings_off():
    # ruleid: jinja2-autoescape-disabled
    return Environment(autoescape=select_autoescape(default_for_string=False))


def flask_setup(app):
    # ruleid: jinja2-autoescape-disabled
    app.jinja_env.autoescape = False


def flask_setup_on(app):
    # ok: jinja2-autoescape-disabled
    app.jinja_env.autoescape = True


def heading_chain(text):
    # ruleid: jinja2-autoescape-disabled
    bad = Template("<h2>{{ heading }}</h2>").render(heading=text)
    # ok: jinja2-autoescape-disabled
    good = Template("<h2>{{ heading }}</h2>", autoescape=True).render(heading=text)
    return bad, good


def list_item(text):
    # ruleid: jinja2-autoescape-disabled
    env = jinja2.Environment(autoescape=jinja2.select_autoescape(default_for_string=False))
    # ok: jinja2-autoescape-disabled
    env_on = jinja2.Environment(autoescape=jinja2.select_autoescape(default_for_string=True))
    return env.from_string("<li>{{ i }}</li>").render(i=text), env_on


def emphasis(text):
    base = Environment(autoescape=True, trim_blocks=True)
    # ruleid: jinja2-autoescape-disabled
    plain = base.overlay(autoescape=False)
    # ok: jinja2-autoescape-disabled
    still_on = base.overlay(autoescape=True)
    return plain.from_string("<em>{{ t }}</em>").render(t=text), still_on


def from_file(path, text):
    with open(path, encoding="utf-8") as fh:
        # ruleid: jinja2-autoescape-disabled
        bad = Template(fh.read())
    with open(path, encoding="utf-8") as fh:
        # ok: jinja2-autoescape-disabled
        good = Template(fh.read(), autoescape=True)
    return bad.render(t=text), good.render(t=text)


def tags(text):
    # ruleid: jinja2-autoescape-disabled
    tmpl = jinja2.Template("{% for w in words %}<span>{{ w }}</span>{% endfor %}")
    # ok: jinja2-autoescape-disabled
    tmpl_on = jinja2.Template("{% for w in words %}<span>{{ w }}</span>{% endfor %}", autoescape=True)
    return "".join(tmpl.generate(words=text.split())), tmpl_on


def title(text):
    # ruleid: jinja2-autoescape-disabled
    env = jinja2.Environment(loader=jinja2.BaseLoader())
    # ok: jinja2-autoescape-disabled
    env_on = jinja2.Environment(loader=jinja2.BaseLoader(), autoescape=True)
    env.globals["t"] = text
    return env.from_string("<title>{{ t }}</title>").render(), env_on


def items(text):
    # ruleid: jinja2-autoescape-disabled
    listing = Template("<ul>{% for p in parts %}<li>{{ p }}</li>{% endfor %}</ul>", autoescape=False)
    # ok: jinja2-autoescape-disabled
    listing_on = Template("<ul>{% for p in parts %}<li>{{ p }}</li>{% endfor %}</ul>", autoescape=True)
    return listing.render(parts=text.split(",")), listing_on


def badge(text):
    # ruleid: jinja2-autoescape-disabled
    env = Environment(loader=FunctionLoader(lambda name: "<b>{{ t }}</b>"))
    # ok: jinja2-autoescape-disabled
    env_on = Environment(loader=FunctionLoader(lambda name: "<b>{{ t }}</b>"), autoescape=True)
    return env.get_template("badge").render(t=text), env_on


def row(text):
    buffer = io.StringIO()
    # ruleid: jinja2-autoescape-disabled
    env = Environment(loader=DictLoader({"row.html": "<tr><td>{{ t }}</td></tr>"}))
    # ok: jinja2-autoescape-disabled
    env_on = Environment(loader=DictLoader({"row.html": "<tr><td>{{ t }}</td></tr>"}), autoescape=True)
    env.get_template("row.html").stream(t=text).dump(buffer)
    return buffer.getvalue(), env_on


def quote(text):
    # ok: jinja2-autoescape-disabled
    sandbox = SandboxedEnvironment(autoescape=True)
    return sandbox.from_string("<q>{{ t }}</q>", globals={"t": text}).render()
