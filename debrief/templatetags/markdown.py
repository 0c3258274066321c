"""`{{ postmortem.summary|markdown }}`: the template side of debrief.markdown.

debrief is not an installed app, so settings name this library in TEMPLATES' "libraries".
"""

from django import template

from debrief.markdown import render_markdown

register = template.Library()

register.filter("markdown", render_markdown)
