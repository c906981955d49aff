#!/usr/bin/env python3
"""Renders every case below with Python jinja2 configured as Hugging Face's
apply_chat_template configures it, and writes tests/unit/jinja_cases.json,
which tests/unit/test_jinja.c replays through Wick's engine. The expected
outputs (and which cases must fail) come from jinja2, not from Wick.

    python3 tests/unit/jinja_cases.py      # needs jinja2 (tests/requirements.txt)

HF's environment (transformers 5.x, utils/chat_template_utils.py):
ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
extensions=[loopcontrols, AssistantTracker]), its tojson (json.dumps with
ensure_ascii=False), raise_exception, strftime_now (here with a fixed clock:
1700000000 = 2023-11-14 22:13:20 UTC, which the C test passes too), and its
restricted `dict` and `namespace` globals.
"""
import datetime
import json
import os
import sys

import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment

NOW = 1700000000


class Generation(jinja2.ext.Extension):
    """HF's AssistantTracker, minus the tracking: {% generation %} renders its body."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_render", []), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def make_env():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[jinja2.ext.loopcontrols, Generation])

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators,
                          sort_keys=sort_keys)

    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def strftime_now(fmt):
        return datetime.datetime.fromtimestamp(NOW, datetime.timezone.utc).strftime(fmt)

    class TemplateDict:  # transformers 5.x: dict(...) and dict.fromkeys(...) only
        def __call__(self, *args, **kwargs):
            return dict(*args, **kwargs)

        def fromkeys(self, *args, **kwargs):
            return dict.fromkeys(*args, **kwargs)

    class TemplateNamespace(jinja2.utils.Namespace):  # transformers 5.x: no _names
        def __init__(*args, **kwargs):
            self, args = args[0], args[1:]
            attrs = dict(*args, **kwargs)
            for name in attrs:
                TemplateNamespace._check_name(name)
            jinja2.utils.Namespace.__init__(self, attrs)

        def __setitem__(self, name, value):
            TemplateNamespace._check_name(name)
            jinja2.utils.Namespace.__setitem__(self, name, value)

        @staticmethod
        def _check_name(name):
            if isinstance(name, str) and name.startswith("_"):
                raise jinja2.exceptions.SecurityError(
                    f"Chat templates cannot store underscore-prefixed attributes on a namespace, but got {name!r}. "
                    "Please rename the attribute.")

    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    env.globals["dict"] = TemplateDict()
    env.globals["namespace"] = TemplateNamespace
    return env


MSGS = [
    {"role": "system", "content": "You are helpful."},
    {"role": "user", "content": "Hi there"},
    {"role": "assistant", "content": "Hello! How can I help?"},
    {"role": "user", "content": "What's 2+2?"},
]
TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "Get the weather",
    "parameters": {"type": "object", "properties": {
        "city": {"type": "string", "description": "City name"},
        "days": {"type": "integer", "description": "Days\nahead"}},
        "required": ["city"]}}}]
TOOL_MSGS = MSGS[:2] + [
    {"role": "assistant", "content": "", "tool_calls": [
        {"type": "function", "id": "call_1", "function": {"name": "get_weather", "arguments": {"city": "Paris", "days": 2}}}]},
    {"role": "tool", "content": "{\"temp\": 21.5}", "tool_call_id": "call_1"},
    {"role": "assistant", "content": "<think>\nIt is warm.\n</think>\n\nIt is 21.5°C in Paris."},
]
V = {"s": "Hello World", "n": 5, "f": 2.5, "neg": -3, "t": True, "z": None, "lst": [3, 1, 2],
     "d": {"b": 2, "a": 1, "items": "key-items"}, "u": "héllo wörld ß", "e": "", "el": [],
     "people": [{"name": "Ann", "age": 31, "city": "NY"}, {"name": "bob", "age": 25, "city": "LA"},
                {"name": "Cid", "age": 31}],
     "nested": {"a": {"b": [10, {"c": "deep"}]}}, "msgs": MSGS, "tools": TOOLS, "tmsgs": TOOL_MSGS}

# (template, variables or None for V, compare error messages?)
CASES = []


def case(template, vars=None, same_msg=True):
    CASES.append((template, V if vars is None else vars, same_msg))


# --- data, whitespace control, trim_blocks / lstrip_blocks, comments, raw
for t in [
    "plain text", "a\nb\n", "a\n\n", "trailing\r\nCRLF\r\n", "mac\rnewlines\r", "",
    "{% if true %}\nyes\n{% endif %}\nafter",
    "  {% if true %}\n  indented\n  {% endif %}\nend",
    "x  {% if true %}y{% endif %}  z",
    "line1\n    {%- if true %}A{% endif %}\nline2",
    "{% if true -%}\n\n   A  \n{%- endif %}|",
    "{{ 'a' -}}   \n   {{- 'b' }}",
    "  {{ 'keep' }}  ",
    "{%+ if true %}x{% endif %}\n  {%+ if true %}y{% endif %}",
    "{% if true +%}\nkeep newline\n{% endif +%}\nend",
    "a {# comment #} b",
    "a\n  {# comment #}\nb",
    "a {#- comment -#} b",
    "{# multi\nline #}x",
    "{% raw %}{{ not evaluated }} {% if %}{% endraw %}",
    "  {% raw %}\n  raw {{ x }}\n  {% endraw %}\nafter",
    "{%- raw -%}  spaced  {%- endraw -%}",
    "{% for i in [1,2] %}\n  - {{ i }}\n{% endfor %}\n",
    "{% for i in [1,2] -%}\n  {{ i }}\n{%- endfor %}",
    "\t{% if true %}\ttab{% endif %}",
    "{{ 1 }}\n{{ 2 }}\n",
    "a\u00a0\u00a0{%- if true %}b{% endif %}",
    "{%- if true -%}  \n  x  \n  {%- endif -%}  ",
    "{% set x = 1 %}\n{{ x }}",
    "{{- 'lead' }}",
    "x\n{% if false %}\nno\n{% else %}\nyes\n{% endif %}\n",
]:
    case(t)

# --- literals and printing
for t in [
    "{{ 1 }} {{ -1 }} {{ 0 }} {{ 1_000 }} {{ 0x1F }} {{ 0o17 }} {{ 0b101 }}",
    "{{ 1.0 }} {{ 1.5 }} {{ 0.1 }} {{ 1e3 }} {{ 1.5e-7 }} {{ 1e100 }} {{ 123456789.123 }} {{ 2.0**60 }}",
    "{{ true }} {{ false }} {{ True }} {{ False }} {{ none }} {{ None }}",
    "{{ 'single' }} {{ \"double\" }} {{ 'a' 'b' \"c\" }}",
    "{{ 'tab\\there' }}|{{ 'nl\\nhere' }}|{{ 'q\\'s' }}|{{ \"d\\\"q\" }}|{{ '\\\\' }}|{{ 'a\\\nb' }}",
    r"{{ '\x41\u00e9\U0001F600' }} {{ '\101' }} {{ '\d' }}",
    "{{ [1, 'a', 2.5, none, true] }}",
    "{{ (1,) }} {{ (1, 2) }} {{ () }} {{ [] }} {{ {} }}",
    "{{ {'a': 1, 'b': [1, 2], 'c': {'d': none}} }}",
    "{{ [\"it's\", 'say \"hi\"', 'both \\' \"', 'back\\\\slash'] }}",
    r"{{ ['\x01', '\x7f', '\u200b', 'é', '\U0001F600', '\n\t\r'] }}",
    "{{ {1: 'int key', 2.5: 'float key', none: 'none key', true: 'bool'} }}",
    "{{ 1, 2 }}",
    "{{ [1, [2, [3, (4, 5)]]] }}",
    "{{ {'x': (1,)} }}",
    "{{ 'ünïcödé' }}",
]:
    case(t)

# --- variables, attributes, items, undefined
for t in [
    "{{ s }} {{ n }} {{ f }} {{ t }} {{ z }}",
    "[{{ missing }}]",
    "{{ d.a }} {{ d['b'] }} {{ d.get('a') }} {{ d.get('zz', 'dflt') }} {{ d.get('zz') }}",
    "{{ d.items is callable }} {{ d.items is defined }}",  # the method shadows the key "items"
    "{{ d['items'] }}",
    "{{ lst[0] }} {{ lst[-1] }} {{ lst.1 }} [{{ lst[10] }}]",
    "{{ nested.a.b[1].c }} {{ nested['a']['b'][0] }}",
    "{{ s[0] }} {{ s[-1] }} {{ u[1] }} {{ u[-1] }}",
    "{{ missing is defined }} {{ missing is undefined }} {{ s is defined }}",
    "{{ d.zz is defined }} {{ d.zz }}|",
    "{{ missing.attr }}",
    "{{ d.zz.attr }}",
    "{{ lst[10].x }}",
    "{{ none.x }}|",
    "{{ none.x.y }}",
    "{{ missing + 1 }}",
    "{{ missing ~ 'x' }}",
    "{{ missing|length }} {{ missing|list }} {{ missing|join(',') }}",
    "{% for x in missing %}x{% else %}empty{% endfor %}",
    "{{ missing == missing }} {{ missing != 1 }} {{ not missing }}",
    "{{ missing() }}",
    "{{ missing[0] }}",
    "{{ 'a' in missing }}",
    "{{ missing < 1 }}",
    "{{ missing|upper }}|{{ missing|string }}|",
    "{{ missing|default('dflt') }} {{ none|default('dflt') }} {{ ''|default('dflt', true) }} {{ 0|d(5, boolean=true) }}",
    "{{ s._private }}|{{ s.__class__ }}|",
    "{{ d._x }}|",
    "{{ missing is sequence }} {{ missing is iterable }} {{ missing is callable }} {{ missing is mapping }}",
    "{{ (1, 2)[1] }} {{ [1, 2][True] }}",
    "{{ lst['x'] }}|",
    "{{ s.length }}|",
    "{{ s.upper }}" if False else "{{ s.upper() }}",
]:
    case(t)

# --- arithmetic, comparison, logic
for t in [
    "{{ 1 + 2 }} {{ 7 - 10 }} {{ 3 * 4 }} {{ 7 / 2 }} {{ 6 / 3 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 % -3 }}",
    "{{ 2 ** 10 }} {{ 2 ** -1 }} {{ 2.0 ** 0.5 }} {{ -2 ** 2 }} {{ 2 ** 3 ** 2 }} {{ (-8) ** 2 }}",
    "{{ 1.5 + 1 }} {{ 0.1 + 0.2 }} {{ 1 / 3 }} {{ 2.5 // 1 }} {{ -2.5 // 1 }} {{ 5.5 % 2 }} {{ -5.5 % 2 }}",
    "{{ 'ab' + 'cd' }} {{ 'ab' ~ 1 ~ none ~ true }} {{ [1] + [2] }} {{ (1,) + (2,) }}",
    "{{ 'ab' * 3 }} {{ 3 * 'x' }} {{ [0] * 3 }} {{ 'x' * 0 }} {{ 'x' * -1 }}",
    "{{ true + 1 }} {{ true * 3 }} {{ false - 1 }} {{ -true }}",
    "{{ 1 / 0 }}",
    "{{ 1 // 0 }}",
    "{{ 1 % 0 }}",
    "{{ 'a' + 1 }}",
    "{{ 1 + 'a' }}",
    "{{ [1] + (2,) }}",
    "{{ 'a' - 'b' }}",
    "{{ 'a' * 1.5 }}",
    "{{ -'a' }}",
    "{{ 1 == 1.0 }} {{ 1 == true }} {{ 'a' == 'a' }} {{ [1, 2] == [1, 2] }} {{ (1,) == [1] }} {{ {'a': 1} == {'a': 1} }} {{ none == none }}",
    "{{ 1 != 2 }} {{ 1 < 2 }} {{ 2 <= 2 }} {{ 3 > 2 }} {{ 2 >= 3 }} {{ 'a' < 'b' }} {{ 'B' < 'a' }} {{ [1, 2] < [1, 3] }} {{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }}",
    "{{ 1 < 'a' }}",
    "{{ [1] < 'a' }}",
    "{{ 1 in [1, 2] }} {{ 3 not in [1, 2] }} {{ 'ell' in 'hello' }} {{ 'a' in {'a': 1} }} {{ 'x' in 'abc' }} {{ '' in 'abc' }}",
    "{{ 1 in 'abc' }}",
    "{{ [1] in {'a': 1} }}",
    "{{ 1 in none }}",
    "{{ true and 'x' }} {{ 0 and 'x' }} {{ '' or 'y' }} {{ 'a' or 'b' }} {{ none or 0 }} {{ not 0 }} {{ not 'a' }} {{ not not [] }}",
    "{{ 'yes' if t else 'no' }} {{ 'yes' if z else 'no' }} [{{ 'x' if false }}] {{ ('x' if false) is defined }}",
    "{{ 1 if false else 2 if false else 3 }}",
    "{{ not 1 == 2 }} {{ not 1 in [1] }} {{ -1 + 2 * 3 ** 2 }} {{ (1 + 2) * 3 }} {{ 10 - 2 - 3 }} {{ 2 * 3 % 4 }}",
    "{{ 'a' ~ 'b' == 'ab' }} {{ 1 + 2 ~ 3 }} {{ 1 ~ 2 ~ 3 }}",
    "{{ 1 ~ 2 + 3 }}",
    "{{ -n|abs }} {{ n + lst|length }} {{ 'x'|upper + 'y' }}",
    "{{ 9223372036854775807 }} {{ -9223372036854775807 - 1 }}",
    "{{ [] or {} or 'last' }} {{ [0] and 'full' }}",
    "{{ 5 is divisibleby 5 }} {{ 5 is odd }} {{ 4 is even }} {{ 3.0 is odd }}",
]:
    case(t)

# --- slicing
for t in [
    "{{ lst[1:] }} {{ lst[:1] }} {{ lst[::-1] }} {{ lst[::2] }} {{ lst[-2:] }} {{ lst[5:] }} {{ lst[1:-1] }}",
    "{{ s[::-1] }} {{ s[:5] }} {{ s[6:] }} {{ s[-5:] }} {{ s[1:8:3] }} {{ u[::-1] }} {{ u[1:4] }}",
    "{{ (1, 2, 3)[1:] }} {{ msgs[1:]|length }} {{ msgs[-1].content }}",
    "{{ lst[::0] }}",
    "{{ s['a':] }}|",
    "{{ d[1:] }}",
    "{{ z[1:] }}",
    "{{ missing[1:] }}",
    "{{ (lst|select('odd'))[1:] }}",
    "{{ range(10)[2:5] }} {{ range(10)[::3]|list }}",
    "{{ lst[1:2:] }} {{ lst[:] }} {{ lst[-100:100] }} {{ lst[2:0:-1] }}",
]:
    case(t)

# --- if / elif / else / for
for t in [
    "{% if n > 3 %}big{% elif n > 1 %}mid{% else %}small{% endif %}",
    "{% if 0 %}a{% elif '' %}b{% elif [] %}c{% else %}d{% endif %}",
    "{% if z %}x{% endif %}{% if not z %}y{% endif %}",
    "{% for x in lst %}{{ loop.index }}:{{ x }} {% endfor %}",
    "{% for x in lst %}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}|{% endfor %}",
    "{% for x in lst %}{{ loop.previtem }}-{{ loop.nextitem }};{% endfor %}",
    "{% for x in lst %}{{ loop.cycle('odd', 'even') }} {% endfor %}",
    "{% for x in [1, 1, 2, 2, 3] %}{% if loop.changed(x) %}{{ x }}{% endif %}{% endfor %}",
    "{% for x in lst if x > 1 %}{{ x }}{{ loop.index }}/{{ loop.length }}{{ loop.last }} {% endfor %}",
    "{% for x in [] %}x{% else %}empty{% endfor %}",
    "{% for x in lst if x > 10 %}x{% else %}none passed{% endfor %}",
    "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}",
    "{% for k in d %}{{ k }},{% endfor %}",
    "{% for c in 'héllo' %}[{{ c }}]{% endfor %}",
    "{% for a, b in [(1, 2), (3, 4)] %}{{ a + b }} {% endfor %}",
    "{% for a, (b, c) in [(1, (2, 3))] %}{{ a }}{{ b }}{{ c }}{% endfor %}",
    "{% for a, b in [(1, 2, 3)] %}{% endfor %}",
    "{% for a, b in [1] %}{% endfor %}",
    "{% for a, b in ['xy'] %}{{ b }}{{ a }}{% endfor %}",
    "{% for x in none %}{% endfor %}",
    "{% for x in 5 %}{% endfor %}",
    "{% for i in range(3) %}{% for j in range(2) %}{{ loop.index }}{% endfor %}{{ loop.index }}|{% endfor %}",
    "{% for i in range(5) %}{% if i == 1 %}{% continue %}{% endif %}{% if i == 3 %}{% break %}{% endif %}{{ i }}{% endfor %}",
    "{% for i in range(3) %}{% set x = i * 10 %}{{ x }}{% endfor %}[{{ x }}]",
    "{% set x = 1 %}{% for i in [1, 2] %}{{ x }}{% set x = x + 1 %}{{ x }}{% endfor %}{{ x }}",
    "{% for i in [1, 2] %}{% if i == 2 %}{{ y }}{% endif %}{% set y = i %}{% endfor %}|{{ y }}",
    "{% for m in msgs %}{% if loop.first %}F{% endif %}{{ m.role[0] }}{% endfor %}",
    "{% for x in lst %}{% set outer = loop %}{% for y in [0] %}{{ outer.index }}{{ loop.index }} {% endfor %}{% endfor %}",
    "{{ loop }}|{% for x in [1] %}{{ loop.length }}{% endfor %}",
    "{% for x in range(2, 8, 2) %}{{ x }}{% endfor %} {% for x in range(5, 0, -2) %}{{ x }}{% endfor %} {{ range(3)|list }}",
    "{{ range(100001) }}",
    "{% for i in range(3) recursive %}{{ i }}{% endfor %}",
    "{% for item in [{'n': 'a', 'c': [{'n': 'b', 'c': []}]}] recursive %}{{ item.n }}{{ loop.depth }}({{ loop(item.c) }}){% endfor %}",
    "{% break %}",
    "{% for x in [1] %}{% macro m() %}{% break %}{% endmacro %}{% endfor %}",
    "{% for x in tools %}{{ x.function.name }}{% endfor %}",
    "{% for x in {'a': 1}.values() %}{{ x }}{% endfor %}{% for x in {'a': 1}.keys() %}{{ x }}{% endfor %}",
]:
    case(t)

# --- set, namespace, with, block set
for t in [
    "{% set a = 1 %}{% set b, c = 2, 3 %}{{ a }}{{ b }}{{ c }}",
    "{% set t = 1, 2 %}{{ t }}",
    "{% set ns = namespace(count=0) %}{% for i in range(4) %}{% set ns.count = ns.count + i %}{% endfor %}{{ ns.count }}",
    "{% set ns = namespace(a=1, b='x') %}{{ ns.a }}{{ ns.b }}{{ ns.c }}|{{ ns['a'] }}",
    "{% set ns = namespace() %}{% set ns.x = [1] %}{{ ns.x }} {{ ns }}",
    "{% set ns = namespace({'k': 'v'}, j=2) %}{{ ns.k }}{{ ns.j }}",
    "{% set x = 'v' %}{% set x.y = 1 %}",
    "{% set s %}captured {{ n }}{% endset %}[{{ s }}]",
    "{% set s | upper %}shout{% endset %}{{ s }}",
    "{% set s | trim | upper %}  both  {% endset %}[{{ s }}]",
    "{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}[{{ a }}]",
    "{% if true %}{% set inside = 'set in if' %}{% endif %}{{ inside }}",
    "{% set d2 = dict(a=1, b=2) %}{{ d2 }} {{ dict(d2, c=3) }} {{ dict([('x', 1)]) }}",
    "{% set ns = namespace(_hidden=1) %}",
    "{% set ns = namespace(a=1) %}{% set ns._b = 2 %}",
    "{{ dict.fromkeys(['a', 'b']) }} {{ dict.fromkeys('xy', 0) }} {{ dict.items is defined }}",
    "{% set x = [1, 2] %}{{ x.append(3) }}",
    "{% set x = {'a': 1} %}{{ x.update({'b': 2}) }}",
    "{% set x = [1, 2] %}[{{ x.append }}] {{ x.append is defined }}",
    "{% set x = {'a': 1} %}{{ x.pop('a') }}",
    "{{ s }}{% set s = 'shadow' %}{{ s }}",
]:
    case(t)

# --- macros, call blocks, filter blocks
for t in [
    "{% macro greet(name, greeting='Hello') %}{{ greeting }}, {{ name }}!{% endmacro %}{{ greet('Ann') }} {{ greet('Bob', 'Hi') }} {{ greet(greeting='Yo', name='Cy') }}",
    "{% macro m(a, b) %}[{{ a }}|{{ b }}]{% endmacro %}{{ m(1) }}",
    "{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, 2) }}",
    "{% macro m(a) %}{{ a }}{% endmacro %}{{ m(b=2) }}",
    "{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, a=2) }}",
    "{% macro m() %}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, x=3) }}",
    "{% macro m(a, b=a * 2) %}{{ a }}{{ b }}{% endmacro %}{{ m(3) }}",
    "{% macro fact(n) %}{% if n <= 1 %}1{% else %}{{ n * fact(n - 1)|int }}{% endif %}{% endmacro %}{{ fact(6) }}",
    "{% macro m() %}{% set local = 1 %}{{ local }}{% endmacro %}{{ m() }}[{{ local }}]",
    "{% macro m() %}{{ outer }}{% endmacro %}{% set outer = 'seen' %}{{ m() }}",
    "{% macro m() %}{{ y }}{% endmacro %}{% set y = 1 %}{% for i in [1] %}{% set y = 2 %}{{ m() }}{% endfor %}",
    "{% macro m() %}x{% endmacro %}{{ m() ~ m() }} {{ m() is string }} {{ m }}",
    "{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}{% call wrap('b') %}bold {{ n }}{% endcall %}",
    "{% macro each(xs) %}{% for x in xs %}{{ caller(x) }}{% endfor %}{% endmacro %}{% call(item) each([1, 2]) %}<{{ item }}>{% endcall %}",
    "{% macro m() %}{{ caller is defined }}{% endmacro %}{{ m() }}",
    "{% filter upper %}up {{ s }}{% endfilter %}",
    "{% filter replace('a', 'o') | upper %}banana{% endfilter %}",
    "{% macro m() %}{% macro inner() %}in{% endmacro %}{{ inner() }}{% endmacro %}{{ m() }}",
    "{% print 'printed', 2 %}",
    "{% generation %}gen {{ n }}{% endgeneration %}",
]:
    case(t)

# --- filters
for t in [
    "{{ '  x y  '|trim }}|{{ 'xxyxx'|trim('x') }}|{{ 5|trim }}",
    "{{ s|length }} {{ lst|count }} {{ d|length }} {{ u|length }} {{ ''|length }}",
    "{{ 5|length }}",
    "{{ s|upper }} {{ s|lower }} {{ 'hello wORLD-x(y'|title }} {{ 'hELLO'|capitalize }} {{ u|upper }} {{ 'ǆemal'|title }}",
    "{{ lst|first }} {{ lst|last }} {{ s|first }} {{ []|first }}|{{ d|first }} {{ d|last }}",
    "{{ lst|select('odd')|list|last }}",
    "{{ lst|join }} {{ lst|join(', ') }} {{ people|join('/', attribute='name') }} {{ [1, none, 'x']|join('-') }}",
    "{{ lst|sort }} {{ lst|sort(reverse=true) }} {{ ['b', 'A', 'c']|sort }} {{ ['b', 'A', 'c']|sort(case_sensitive=true) }}",
    "{{ people|sort(attribute='age')|map(attribute='name')|list }} {{ people|sort(attribute='age,name')|map(attribute='name')|join(',') }}",
    "{{ people|sort(attribute='name', reverse=true)|map(attribute='name')|list }}",
    "{{ [3, 'a']|sort }}",
    "{{ [1, 2, 2, 3, 1]|unique|list }} {{ ['a', 'A', 'b']|unique|list }} {{ ['a', 'A']|unique(case_sensitive=true)|list }} {{ people|unique(attribute='age')|map(attribute='name')|list }}",
    "{{ lst|reverse|list }} {{ s|reverse }} {{ (1, 2)|reverse|list }} {{ d|reverse|list }}",
    "{{ lst|reverse|length }}",
    "{{ lst|list }} {{ s|list }} {{ d|list }} {{ (1,)|list }}",
    "{{ lst|min }} {{ lst|max }} {{ ['b', 'A']|min }} {{ ['b', 'A']|max(case_sensitive=true) }} {{ people|max(attribute='age') }} {{ []|min }}|",
    "{{ lst|sum }} {{ people|sum(attribute='age') }} {{ [1.5, 2]|sum(start=10) }} {{ [[1], [2]]|sum(start=[]) }}",
    "{{ people|map(attribute='name')|list }} {{ people|map(attribute='city', default='??')|list }} {{ ['a', 'b']|map('upper')|list }} {{ [' a ']|map('trim')|join }}",
    "{{ lst|map('string')|list }} {{ [1, 2]|map('int')|sum }} {{ lst|map('abs')|list }}",
    "{{ people|selectattr('age', 'equalto', 31)|map(attribute='name')|list }} {{ people|rejectattr('age', 'eq', 31)|map(attribute='name')|list }}",
    "{{ people|selectattr('city')|map(attribute='name')|list }} {{ people|selectattr('city', 'defined')|list|length }} {{ people|rejectattr('city', 'undefined')|list|length }}",
    "{{ lst|select('>', 1)|list }} {{ lst|reject('odd')|list }} {{ [0, 1, '', 'a', none]|select|list }} {{ lst|select('in', [1, 2])|list }}",
    "{{ msgs|selectattr('role', 'equalto', 'user')|list|length }} {{ msgs|map(attribute='role')|unique|list }}",
    "{{ lst|select('nosuchtest')|list }}",
    "{{ lst|map('nosuchfilter')|list }}",
    "{{ (lst|select('odd')) is not none }} {{ lst|select('odd') is true }}",
    "{{ (lst|select('odd')) is iterable }} {{ lst|select('odd') is sequence }}",
    "{{ 'a,b'|replace(',', ';') }} {{ 'aaa'|replace('a', 'b', 2) }} {{ 123|replace('2', 'x') }} {{ 'ab'|replace('', '-') }}",
    "{{ '%s and %s'|format('a', 'b') }}|{{ '%(x)s!'|format(x=1) }}|{{ '%d%%'|format(50) }}|{{ '%5.1f|%-4d|%x|%r|%c'|format(3.14159, 7, 255, 'q', 65) }}",
    "{{ 'Hi {}'|format('x') }}",
    "{{ '%s-%s' % ('a', 1) }} {{ '%05.2f' % 3.14159 }} {{ '%(a)s' % {'a': 2} }} {{ '%s' % [1] }} {{ '%+d %o %#x %#o %e' % (5, 8, 255, 8, 12345.678) }}",
    "{{ '%s %s' % ('only one',) }}",
    "{{ -5|abs }} {{ -2.5|abs }} {{ true|abs }}",
    "{{ 'x'|abs }}",
    "{{ '42'|int }} {{ '4.7'|int }} {{ 'x'|int(7) }} {{ 3.99|int }} {{ '0x1A'|int(0, 16) }} {{ '0b11'|int(base=0) }} {{ ' 12 '|int }} {{ '1_000'|int }} {{ none|int }} {{ true|int }} {{ 'ff'|int(base=16) }}",
    "{{ '3.5'|float }} {{ '1e3'|float }} {{ 'x'|float }} {{ 'x'|float(1.5) }} {{ 2|float }} {{ ' -1.25 '|float }} {{ 'inf'|float }} {{ 'nan'|float }}",
    "{{ 2.5|round }} {{ 3.5|round }} {{ 2.675|round(2) }} {{ 7|round }} {{ -2.5|round }} {{ 1.25|round(1, 'floor') }} {{ 1.21|round(1, 'ceil') }} {{ 1234|round(-2) }} {{ 1250.0|round(-2) }}",
    "{{ 2.5|round(0, 'banker') }}",
    "{{ n|string }} {{ lst|string }} {{ none|string }} {{ (n|string) is string }}",
    "{{ 'a b  c'|wordcount }} {{ 'héllo-wörld_x 42'|wordcount }} {{ ''|wordcount }}",
    "{{ 'one two three four'|truncate(9) }}|{{ 'one two three four'|truncate(9, true) }}|{{ 'one two'|truncate(5, false, '~', 0) }}|{{ 'short'|truncate(3, leeway=5) }}",
    "{{ 'a\nb\n\nc'|indent }}|{{ 'a\nb\n\nc'|indent(2, true) }}|{{ 'a\nb\n\nc'|indent(2, blank=true) }}|{{ 'x\ny'|indent('> ') }}",
    "{{ 'abc'|center(9) }}|{{ 'abcd'|center(9) }}|{{ 'abc'|center }}|",
    "{{ '<a href=\"x\">&\\'</a>'|e }} {{ '<b>'|escape }} {{ 5|e }} {{ '<i>'|safe }}",
    "{{ d|dictsort }} {{ {'b': 1, 'A': 2, 'c': 0}|dictsort }} {{ {'b': 1, 'A': 2}|dictsort(true) }} {{ {'x': 2, 'y': 1}|dictsort(by='value') }} {{ {'x': 2, 'y': 1}|dictsort(reverse=true) }}",
    "{% for k, v in d|dictsort %}{{ k }}{{ v }}{% endfor %}",
    "{{ d|items|list }} {{ missing|items|list }} {% for k, v in {'p': 1}|items %}{{ k }}{{ v }}{% endfor %}",
    "{% for x in lst|items %}{% endfor %}",
    "{{ [1, 2, 3, 4, 5]|batch(2)|list }} {{ [1, 2, 3]|batch(2, 'x')|list }} {{ [1, 2, 3, 4, 5]|slice(2)|list }} {{ [1, 2, 3, 4]|slice(3, 0)|list }}",
    "{{ 1000|filesizeformat }} {{ 1|filesizeformat }} {{ 1500000|filesizeformat }} {{ 2048|filesizeformat(true) }} {{ 300|filesizeformat }}",
    "{{ d|attr('get') is callable }} {{ d|attr('a') }}|{{ s|attr('upper') is defined }}",
    "{{ lst|reverse is iterable }}",
    "{{ x|nosuchfilter }}",
    "{% if false %}{{ x|nosuchfilter }}{% endif %}",
    "{% if true %}{{ x|nosuchfilter }}{% endif %}",
    "{{ x|nosuchfilter if false else 'ok' }} {{ 1 if false else 2|nosuchfilter if false else 3 }}",
    "{% if false %}{% for i in x %}{{ i|nosuchfilter }}{% endfor %}{% endif %}",
    "{% if 1 is nosuchtest %}{% endif %}",
    "{{ 'x' is nosuchtest }}",
    "{{ 'lower' is filter }} {{ 'nope' is filter }} {{ 'odd' is test }}",
]:
    case(t)

# --- tojson (HF's: ensure_ascii=False, indent, separators, sort_keys)
for t in [
    "{{ tools|tojson }}",
    "{{ tools[0]|tojson(indent=4) }}",
    "{{ d|tojson(indent=2, sort_keys=true) }}",
    "{{ d|tojson(separators=(',', ':')) }}",
    "{{ {'u': 'é\u2028\"\\\n', 'f': 1.0, 'g': 1e-7, 'n': none, 't': true, 'l': [], 'o': {}}|tojson }}",
    "{{ 'é'|tojson(true) }} {{ 'é'|tojson(ensure_ascii=true) }} {{ 'é'|tojson(4) }}",
    "{{ {1: 'a', none: 'b', 2.5: 'c', true: 'd'}|tojson }}",
    "{{ (1, 2)|tojson }} {{ [1, (2, 3)]|tojson(indent=1) }} {{ []|tojson(indent=2) }} {{ {}|tojson(indent=2) }}",
    "{{ missing|tojson }}",
    "{{ namespace(a=1)|tojson }}",
    "{{ (lst|select('odd'))|tojson }}",
    "{{ {(1, 2): 'x'}|tojson }}",
    "{{ tmsgs[2].tool_calls[0].function.arguments|tojson }} {{ 'x'|tojson }} {{ 5|tojson }} {{ 2.5|tojson }}",
    "{{ d|tojson(indent=0) }}",
]:
    case(t)

# --- tests
for t in [
    "{{ 1 is number }} {{ 1.5 is number }} {{ true is number }} {{ 'x' is number }} {{ 1 is integer }} {{ true is integer }} {{ 1.0 is float }} {{ 1 is float }}",
    "{{ 'x' is string }} {{ 1 is string }} {{ d is mapping }} {{ lst is mapping }} {{ lst is sequence }} {{ s is sequence }} {{ d is sequence }} {{ 1 is sequence }}",
    "{{ lst is iterable }} {{ s is iterable }} {{ 1 is iterable }} {{ d is iterable }} {{ none is none }} {{ 0 is none }} {{ none is not none }}",
    "{{ true is boolean }} {{ 1 is boolean }} {{ true is true }} {{ 1 is true }} {{ false is false }} {{ 0 is false }}",
    "{{ 1 is eq 1 }} {{ 1 is equalto 2 }} {{ 1 is ne 2 }} {{ 1 is lt 2 }} {{ 2 is le 2 }} {{ 3 is gt 2 }} {{ 2 is ge 3 }} {{ 1 is lessthan 2 }} {{ 3 is greaterthan 2 }}",
    "{{ 'abc' is lower }} {{ 'aBc' is lower }} {{ 'ABC' is upper }} {{ '123' is upper }}",
    "{{ 2 is in [1, 2] }} {{ 'x' is in 'xyz' }} {{ none is sameas none }} {{ 1 is sameas 1 }} {{ true is sameas true }}",
    "{{ 7 is divisibleby(7) }} {{ 7 is divisibleby 3 }} {{ 10 is odd }} {{ 11 is even }}",
    "{{ lst is callable }} {{ range is callable }} {{ d.get is callable }}",
    "{{ 'x' is odd }}",
    "{{ d.a is defined and d.a == 1 }} {{ d.zz is not defined or d.zz }}",
    "{{ s is string and s is not none }}",
]:
    case(t)

# --- str / dict / list methods
for t in [
    "{{ '  pad  '.strip() }}|{{ '  pad  '.lstrip() }}|{{ '  pad  '.rstrip() }}|{{ 'xxhixx'.strip('x') }}|{{ '\\n\\nhi\\n'.strip('\\n') }}",
    "{{ 'a,b,,c'.split(',') }} {{ ' a  b \\n c '.split() }} {{ 'a b c'.split(' ', 1) }} {{ 'a b c'.split(None, 1) }} {{ 'abc'.split('x') }} {{ ''.split() }} {{ ''.split(',') }}",
    "{{ 'a,b,c'.rsplit(',', 1) }} {{ '  a  b  c  '.rsplit(None, 1) }} {{ '  a  b  c  '.split(None, 1) }} {{ 'a<t>b<t>c'.split('<t>')[-1] }}",
    "{{ 'x'.split('') }}",
    "{{ 'Hello'.startswith('He') }} {{ 'Hello'.startswith(('x', 'H')) }} {{ 'Hello'.endswith('lo') }} {{ 'Hello'.endswith('x') }} {{ 'Hello'.startswith('l', 2) }}",
    "{{ 'hello'.upper() }} {{ 'HeLLo'.lower() }} {{ 'hello world'.title() }} {{ 'hELLO wORLD'.capitalize() }} {{ 'HeLLo'.swapcase() }} {{ 'straße'.upper() }} {{ 'İ'.lower()|length }}",
    "{{ 'abcabc'.find('c') }} {{ 'abcabc'.rfind('c') }} {{ 'abc'.find('x') }} {{ 'héllo'.find('l') }} {{ 'abcabc'.count('b') }} {{ 'abc'.count('') }} {{ 'abcabc'.index('b') }}",
    "{{ 'abc'.index('x') }}",
    "{{ 'a-b-c'.replace('-', '+') }} {{ 'a-b-c'.replace('-', '+', 1) }} {{ 'abc'.replace('', '.') }}",
    "{{ ', '.join(['a', 'b']) }} {{ ''.join(s|list) }} {{ '-'.join('abc') }}",
    "{{ ', '.join([1, 2]) }}",
    "{{ 'x'.center(5, '*') }} {{ 'x'.ljust(3, '.') }}| {{ 'x'.rjust(3) }} {{ '42'.zfill(5) }} {{ '-42'.zfill(5) }}",
    "{{ 'a=b=c'.partition('=') }} {{ 'a=b=c'.rpartition('=') }} {{ 'abc'.partition('x') }}",
    "{{ 'prefix_x'.removeprefix('prefix_') }} {{ 'x.txt'.removesuffix('.txt') }}",
    "{{ '123'.isdigit() }} {{ 'abc'.isalpha() }} {{ 'a1'.isalnum() }} {{ '  '.isspace() }} {{ 'abc'.islower() }} {{ 'ABC'.isupper() }} {{ ''.isdigit() }}",
    "{{ 'a\\nb\\r\\nc'.splitlines() }} {{ 'a\\nb\\n'.splitlines(true) }}",
    "{{ '{} + {} = {}'.format(1, 2, 3) }} {{ '{0}{1}{0}'.format('a', 'b') }} {{ '{name}!'.format(name='x') }} {{ '{:>5}|{:<5}|{:^5}'.format('a', 'b', 'c') }} {{ '{:.2f} {:d} {:05d} {:x}'.format(3.14159, 42, 42, 255) }}",
    "{{ '{!r} {}'.format('q', [1]) }} {{ '{{literal}}'.format() }} {{ '{0[0]}{1.a}'.format([7], {'a': 8}) }}",
    "{{ d.keys()|list }} {{ d.values()|list }} {{ d.items()|list }} {{ d.items() }} {{ d.copy() == d }} {{ d.keys() }}",
    "{{ lst.index(2) }} {{ lst.count(3) }} {{ (1, 1).count(1) }}",
    "{{ s.encode is defined }}",
    "{{ 'abc'.nosuchmethod() }}",
    "{{ message.content.split('</think>')[-1].lstrip('\\n') }}",
]:
    case(t, dict(V, message={"content": "<think>\nreasoning\n</think>\n\nanswer"}))

# --- globals: range, cycler, joiner, raise_exception, strftime_now
for t in [
    "{{ range(3)|list }} {{ range(1, 4)|list }} {{ range(0, 10, 3)|list }} {{ range(3, 0, -1)|list }} {{ range(0)|list }} {{ range(3)|length }} {{ range(3) }}",
    "{{ range(1, 2, 0) }}",
    "{% set c = cycler('a', 'b') %}{{ c.next() }}{{ c.next() }}{{ c.next() }}{{ c.current }}{{ c.reset() }}{{ c.next() }}",
    "{% set j = joiner('|') %}{% for x in lst %}{{ j() }}{{ x }}{% endfor %}",
    "{% set j = joiner() %}{{ j() }}{{ j() }}{{ j() }}",
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}",
    "before{% if true %}{{ raise_exception('stop: ' ~ n) }}{% endif %}",
    "{{ strftime_now('%d %b %Y') }} {{ strftime_now('%Y-%m-%d %H:%M:%S') }} {{ strftime_now('%A %B %j %I%p %y %%') }}",
    "{% if strftime_now is defined %}{{ strftime_now('%e/%m') }}{% endif %}",
    "{{ lipsum is defined }} {{ namespace is defined }} {{ raise_exception is callable }}",
]:
    case(t)

# --- syntax errors and unsupported things (jinja2 refuses these too)
for t in [
    "{{ }}", "{{ 1 + }}", "{% if %}x{% endif %}", "{% if true %}no end", "{% for x in %}{% endfor %}",
    "{% endif %}", "{% nosuchtag %}", "{{ 'unterminated }}", "{# unterminated comment", "{% raw %}no end",
    "{{ (1, 2 }}", "{{ [1, 2) }}", "{{ x.1.2 }}", "{% set 1 = 2 %}", "{% macro m(a=1, b) %}{% endmacro %}",
    "{{ a b }}", "{{ f(x=1, 2) }}", "{% include 'other.j2' %}", "{% extends 'base.j2' %}",
    "{{ 1 is is defined }}", "{% for %}", "{{ 1 ! 2 }}",
]:
    case(t, same_msg=False)

# --- chat-template-shaped cases (real templates are in the conformance suite)
CHATML = ("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
          "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}")
case(CHATML, {"messages": MSGS, "add_generation_prompt": True})
case(CHATML, {"messages": MSGS, "add_generation_prompt": False})
ALT = ("{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
       "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
       "{{ '[INST] ' + message['content'] + ' [/INST]' if message['role'] == 'user' else message['content'] + eos_token }}{% endfor %}")
case(ALT, {"messages": MSGS[1:], "bos_token": "<s>", "eos_token": "</s>"})
case(ALT, {"messages": MSGS, "bos_token": "<s>", "eos_token": "</s>"})
TOOLS_T = """{%- if tools %}
    {{- '<|im_start|>system\\n' }}
    {%- if messages[0].role == 'system' %}
        {{- messages[0].content + '\\n\\n' }}
    {%- endif %}
    {{- "# Tools\\n<tools>" }}
    {%- for tool in tools %}
        {{- "\\n" }}
        {{- tool | tojson }}
    {%- endfor %}
    {{- "\\n</tools><|im_end|>\\n" }}
{%- endif %}
{%- set ns = namespace(multi_step_tool=true, last_query_index=messages|length - 1) %}
{%- for message in messages[::-1] %}
    {%- set index = (messages|length - 1) - loop.index0 %}
    {%- if ns.multi_step_tool and message.role == "user" and not(message.content.startswith('<tool_response>')) %}
        {%- set ns.multi_step_tool = false %}
        {%- set ns.last_query_index = index %}
    {%- endif %}
{%- endfor %}
{%- for message in messages %}
    {%- if message.role == "assistant" %}
        {%- set content = message.content %}
        {%- if '</think>' in content %}
            {%- set reasoning = content.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') %}
            {%- set content = content.split('</think>')[-1].lstrip('\\n') %}
        {%- endif %}
        {{- '<|im_start|>assistant\\n' }}
        {%- if loop.index0 > ns.last_query_index and reasoning is defined %}
            {{- '<think>\\n' + reasoning.strip('\\n') + '\\n</think>\\n\\n' }}
        {%- endif %}
        {{- content }}
        {%- if message.tool_calls %}
            {%- for tool_call in message.tool_calls %}
                {%- if tool_call.function %}{% set tool_call = tool_call.function %}{% endif %}
                {{- '\\n<tool_call>\\n{"name": "' + tool_call.name + '", "arguments": ' + tool_call.arguments|tojson + '}\\n</tool_call>' }}
            {%- endfor %}
        {%- endif %}
        {{- '<|im_end|>\\n' }}
    {%- elif message.role == "tool" %}
        {%- if loop.first or (messages[loop.index0 - 1].role != "tool") %}{{- '<|im_start|>user' }}{%- endif %}
        {{- '\\n<tool_response>\\n' + message.content + '\\n</tool_response>' }}
        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}{{- '<|im_end|>\\n' }}{%- endif %}
    {%- elif message.role != "system" or not loop.first %}
        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\\n' }}
    {%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\\n\\n</think>\\n\\n' }}{%- endif %}
{%- endif %}"""
case(TOOLS_T, {"messages": TOOL_MSGS, "tools": TOOLS, "add_generation_prompt": True})
case(TOOLS_T, {"messages": TOOL_MSGS, "tools": None, "add_generation_prompt": True, "enable_thinking": False})
HERMES = """{%- macro json_to_python_type(json_spec) %}
{%- set basic_type_map = {"string": "str", "number": "float", "integer": "int", "boolean": "bool"} %}
{%- if basic_type_map[json_spec.type] is defined %}
    {{- basic_type_map[json_spec.type] }}
{%- elif json_spec.type == "array" %}
    {{- "list[" +  json_to_python_type(json_spec|items) + "]"}}
{%- elif json_spec.type == "object" %}
    {{- "dict" }}
{%- elif json_spec.type is iterable %}
    {{- "Union[" }}
    {%- for t in json_spec.type %}
      {{- json_to_python_type({"type": t}) }}
      {%- if not loop.last %}{{- "," }} {% endif %}
    {%- endfor %}
    {{- "]" }}
{%- else %}
    {{- "Any" }}
{%- endif %}
{%- endmacro %}
{%- for tool in tools %}
    {%- if tool.function is defined %}{%- set tool = tool.function %}{%- endif %}
    {{- tool.name + '(' }}
    {%- for param_name, param_fields in tool.parameters.properties|items %}
        {{- param_name + ": " + json_to_python_type(param_fields) }}
        {%- if not loop.last %}{{- ", " }}{%- endif %}
    {%- endfor %}
    {{- ") - " + tool.description + "\\n" }}
    {%- for param_name, param_fields in tool.parameters.properties|items %}
        {{- "    " + param_name + ": " + param_fields.description|replace("\\n", " ")|trim + "\\n" }}
    {%- endfor %}
{%- endfor %}
{{- json_to_python_type({"type": "array", "items": {"type": "string"}}) }} {{ json_to_python_type({"type": ["string", "integer"]}) }}"""
case(HERMES, {"tools": TOOLS})
# a "null" type makes Hermes 3's macro recurse forever (a string is iterable): both engines must stop
case(HERMES.replace('"integer"]}', '"null"]}'), {"tools": TOOLS}, same_msg=False)


def main():
    env = make_env()
    out = []
    for i, (template, vars, same_msg) in enumerate(CASES):
        entry = {"name": "case%03d" % i, "template": template}
        if vars is not V:
            entry["vars"] = vars
        try:
            entry["expect"] = env.from_string(template).render(**vars)
        except Exception as e:  # the engine must fail too
            entry["error"] = str(e)
            entry["error_type"] = type(e).__name__
            # Wick words syntax errors its own way (with line and column)
            entry["same_msg"] = same_msg and type(e).__name__ not in ("TemplateSyntaxError", "SyntaxError")
        out.append(entry)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "jinja_cases.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"generator": "tests/unit/jinja_cases.py", "jinja2": jinja2.__version__,
                   "python": sys.version.split()[0], "now": NOW, "default_vars": V, "cases": out},
                  f, ensure_ascii=False, indent=1)
        f.write("\n")
    errors = sum(1 for e in out if "error" in e)
    print(f"{len(out)} cases ({errors} expected errors) -> {path}")


if __name__ == "__main__":
    main()
