import jinja2
from jinja2 import DictLoader, Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape
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
