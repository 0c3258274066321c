"""Server-drawn SVG charts: numbers and escaped labels only, no inline styles, no scripts."""

from django.utils.safestring import SafeString

from learning.charts import bar_chart, sparkline


def test_bar_chart_draws_one_bar_per_value_scaled_to_the_largest():
    svg = bar_chart([("Mon", 2), ("Tue", 4), ("Wed", None)], label="Incidents per week")

    assert isinstance(svg, SafeString)
    assert svg.count('<rect class="bar"') == 2
    assert 'height="104.0"' in svg  # the largest fills the bar area
    assert 'height="52.0"' in svg
    assert 'role="img"' in svg and 'aria-label="Incidents per week"' in svg


def test_labels_are_escaped():
    svg = bar_chart([('<script>alert("x")</script>', 1)], label='Team "<b>"')

    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert 'aria-label="Team &quot;&lt;b&gt;&quot;"' in svg


def test_charts_carry_no_inline_styles_or_scripts():
    for svg in (bar_chart([("a", 1)], label="x"), sparkline([1, 2, 3])):
        assert "style=" not in svg
        assert "<script" not in svg


def test_sparkline_breaks_at_missing_values_and_marks_the_last_point():
    svg = sparkline([1, 2, None, 3, 4], label="Lead time")

    assert svg.count("<polyline") == 2
    assert svg.count("<circle") == 1
    assert 'aria-label="Lead time"' in svg


def test_sparkline_without_values_draws_an_empty_chart():
    svg = sparkline([None, None])

    assert "<polyline" not in svg and "<circle" not in svg
    assert svg.startswith("<svg")


def test_a_flat_sparkline_sits_in_the_middle():
    svg = sparkline([5, 5, 5])

    assert 'points="3.0,16.0 60.0,16.0 117.0,16.0"' in svg
