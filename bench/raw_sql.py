"""The hand-written statements of bench/raw.py: for each learning page, one PostgreSQL statement
that computes every number the page shows straight from the tables (no stored weekly figures,
no cache, no ORM), as labelled rows: (section, values as a JSON array).

%(...)s are the statement's parameters (bench.raw.parameters): the team (NULL for the
organisation), the period's bounds and the previous period's, the sparkline weeks' first
moment and day, the learning trends' bounds, the configured time zone (by which every figure
counts days, cuts weeks, months and quarters) and today."""

# Production deployments and incidents in scope from the earliest moment any figure needs, each
# labelled with the period ("current", "previous") and sparkline week (0 to 11) it counts in.
SAMPLES = """
WITH deployments AS (
    SELECT d.id, d.service_id, s.team_id, d.deployed_at, d.outcome, d.first_commit_at,
        (d.deployed_at AT TIME ZONE %(zone)s)::date AS day,
        CASE WHEN d.deployed_at >= %(current_start)s THEN 'current'
            WHEN d.deployed_at >= %(previous_start)s THEN 'previous' END AS period,
        CASE WHEN d.deployed_at >= %(weeks_start)s THEN
            ((d.deployed_at AT TIME ZONE %(zone)s)::date - %(weeks_first_day)s::date) / 7
        END AS week,
        -- Change failure rate's numerator: failed, rolled back, or caused a live non-drill
        -- incident.
        d.outcome IN ('failed', 'rolled_back') OR cause.id IS NOT NULL AS failed,
        -- Rework rate's numerator: the fix of a live non-drill incident.
        fixed.id IS NOT NULL AS remediating
    FROM incidents_deployment d
    JOIN incidents_service s ON s.id = d.service_id
    -- Joined rather than looked up per row (EXISTS): the same answer, and an estimate low
    -- enough that PostgreSQL does not spend seconds compiling the statement (jit_above_cost).
    LEFT JOIN (
        SELECT DISTINCT caused_by_deployment_id AS id FROM incidents_incident
        WHERE caused_by_deployment_id IS NOT NULL AND NOT is_drill AND deleted_at IS NULL
    ) cause ON cause.id = d.id
    LEFT JOIN incidents_incident fixed ON fixed.id = d.remediates_id
        AND NOT fixed.is_drill AND fixed.deleted_at IS NULL
    WHERE d.environment = 'production'
        AND d.deployed_at >= LEAST(%(previous_start)s, %(weeks_start)s)
        AND d.deployed_at < %(end_before)s
        AND (%(team)s::bigint IS NULL OR s.team_id = %(team)s::bigint)
),
lead_times AS (
    SELECT d.period, d.week,
        (EXTRACT(EPOCH FROM d.deployed_at - COALESCE(c.committed_at, d.first_commit_at))
            * 1000000)::bigint AS sample
    FROM deployments d
    LEFT JOIN incidents_deploymentcommit c ON c.deployment_id = d.id
    WHERE d.outcome = 'succeeded'
        -- A commit counts at the first successful production deployment of its service.
        AND NOT EXISTS (
            SELECT 1 FROM incidents_deploymentcommit e
            JOIN incidents_deployment f ON f.id = e.deployment_id
            WHERE e.sha = c.sha AND f.service_id = d.service_id
                AND f.environment = 'production' AND f.outcome = 'succeeded'
                AND (f.deployed_at < d.deployed_at
                    OR (f.deployed_at = d.deployed_at AND f.id < d.id))
        )
),
incidents AS (
    SELECT i.id, i.team_id, i.severity, i.started_at, i.restored_at,
        (EXTRACT(EPOCH FROM i.restored_at - i.started_at) * 1000000)::bigint AS restore,
        COALESCE(cause.environment = 'production', FALSE) AS caused_by_production,
        CASE WHEN i.started_at >= %(end_before)s THEN NULL
            WHEN i.started_at >= %(current_start)s THEN 'current'
            WHEN i.started_at >= %(previous_start)s THEN 'previous' END AS period,
        CASE WHEN i.started_at >= %(weeks_start)s AND i.started_at < %(end_before)s THEN
            ((i.started_at AT TIME ZONE %(zone)s)::date - %(weeks_first_day)s::date) / 7
        END AS week,
        i.started_at >= %(trend_start)s AND i.started_at < %(trend_end_before)s AS in_trends,
        i.started_at >= %(culture_start)s AND i.started_at < %(culture_end_before)s
            AS in_culture
    FROM incidents_incident i
    LEFT JOIN incidents_deployment cause ON cause.id = i.caused_by_deployment_id
    -- Drills and incidents in the bin count nowhere.
    WHERE NOT i.is_drill AND i.deleted_at IS NULL
        AND i.started_at
            >= LEAST(%(previous_start)s, %(weeks_start)s, %(trend_start)s, %(culture_start)s)
        AND i.started_at < GREATEST(%(end_before)s, %(trend_end_before)s, %(culture_end_before)s)
        AND (%(team)s::bigint IS NULL OR i.team_id = %(team)s::bigint)
)
"""

# The four keys and rework rate of the period and the previous one, and their twelve weeks.
FOUR_KEYS = """
SELECT 'deploy days', json_build_array(day, COUNT(*))
FROM deployments WHERE outcome = 'succeeded' AND period IS NOT NULL GROUP BY day
UNION ALL
SELECT 'shares', json_build_array(period, COUNT(*), COUNT(*) FILTER (WHERE failed),
    COUNT(*) FILTER (WHERE remediating))
FROM deployments WHERE period IS NOT NULL GROUP BY period
UNION ALL
SELECT 'lead time', json_build_array(period, COUNT(*),
    percentile_cont(0.5) WITHIN GROUP (ORDER BY sample),
    percentile_cont(0.9) WITHIN GROUP (ORDER BY sample))
FROM lead_times WHERE sample > 0 AND period IS NOT NULL GROUP BY period
UNION ALL
SELECT 'restore', json_build_array(period, COUNT(restore),
    percentile_cont(0.5) WITHIN GROUP (ORDER BY restore),
    percentile_cont(0.9) WITHIN GROUP (ORDER BY restore))
FROM incidents WHERE period IS NOT NULL GROUP BY period
UNION ALL
SELECT 'recovery', json_build_array(period, COUNT(restore),
    percentile_cont(0.5) WITHIN GROUP (ORDER BY restore))
FROM incidents WHERE period IS NOT NULL AND caused_by_production GROUP BY period
UNION ALL
SELECT 'week', json_build_array(week, COUNT(*) FILTER (WHERE outcome = 'succeeded'), COUNT(*),
    COUNT(*) FILTER (WHERE failed), COUNT(*) FILTER (WHERE remediating))
FROM deployments WHERE week IS NOT NULL GROUP BY week
UNION ALL
SELECT 'week lead time', json_build_array(week,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY sample))
FROM lead_times WHERE sample > 0 AND week IS NOT NULL GROUP BY week
UNION ALL
SELECT 'week restore', json_build_array(week,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY restore))
FROM incidents WHERE restore IS NOT NULL AND week IS NOT NULL GROUP BY week
"""

# The learning trends of the incidents that started in the period: weeks, months and quarters
# are calendar ones in the viewer's time zone.
TRENDS = """
UNION ALL
SELECT 'incidents', json_build_array(
    date_trunc('week', started_at AT TIME ZONE %(zone)s)::date, severity, COUNT(*))
FROM incidents WHERE in_trends
GROUP BY date_trunc('week', started_at AT TIME ZONE %(zone)s), severity
UNION ALL
SELECT 'restore quarter', json_build_array(
    date_trunc('quarter', started_at AT TIME ZONE %(zone)s)::date,
    COUNT(*) FILTER (WHERE restore >= 0 AND restore < 900000000),
    COUNT(*) FILTER (WHERE restore >= 900000000 AND restore < 3600000000),
    COUNT(*) FILTER (WHERE restore >= 3600000000 AND restore < 14400000000),
    COUNT(*) FILTER (WHERE restore >= 14400000000 AND restore < 86400000000),
    COUNT(*) FILTER (WHERE restore >= 86400000000 AND restore < 604800000000),
    COUNT(*) FILTER (WHERE restore >= 604800000000),
    COUNT(*) FILTER (WHERE restored_at IS NULL))
FROM incidents WHERE in_trends
GROUP BY date_trunc('quarter', started_at AT TIME ZONE %(zone)s)
UNION ALL
-- Contributing factors of published postmortems, in the month their incident started.
SELECT 'factors', json_build_array(month, category.name, category.position, count)
FROM (
    SELECT date_trunc('month', i.started_at AT TIME ZONE %(zone)s)::date AS month,
        f.category_id, COUNT(*) AS count
    FROM incidents i
    JOIN postmortems_postmortem p ON p.incident_id = i.id
        AND p.status = 'published' AND p.deleted_at IS NULL
    JOIN postmortems_contributingfactor f ON f.postmortem_id = p.id
    WHERE i.in_trends
    GROUP BY 1, 2
) factors
JOIN postmortems_factorcategory category ON category.id = factors.category_id
UNION ALL
-- Blameful wording left at publication, in the month published, whenever the incident started.
SELECT 'blameful', json_build_array(
    date_trunc('month', p.published_at AT TIME ZONE %(zone)s)::date, COUNT(*),
    AVG(p.coach_flags_at_publish))
FROM postmortems_postmortem p
JOIN incidents_incident i ON i.id = p.incident_id
WHERE p.deleted_at IS NULL AND p.status = 'published' AND NOT i.is_drill
    AND p.published_at >= %(trend_start)s AND p.published_at < %(trend_end_before)s
    AND (%(team)s::bigint IS NULL OR i.team_id = %(team)s::bigint)
GROUP BY date_trunc('month', p.published_at AT TIME ZONE %(zone)s)
UNION ALL
-- Postmortem health: SEV1 and SEV2 incidents, those with a published postmortem, and the
-- median time from restore to publication of the published ones (any severity).
SELECT 'health', json_build_array(
    COUNT(*) FILTER (WHERE i.severity IN (1, 2)),
    COUNT(p.id) FILTER (WHERE i.severity IN (1, 2)),
    percentile_cont(0.5) WITHIN GROUP (ORDER BY
        (EXTRACT(EPOCH FROM p.published_at - i.restored_at) * 1000000)::bigint))
FROM incidents i
LEFT JOIN postmortems_postmortem p ON p.incident_id = i.id
    AND p.status = 'published' AND p.deleted_at IS NULL
WHERE i.in_trends
UNION ALL
-- A new team or organisation (no live incident, drills included) is greeted instead.
SELECT 'nothing yet', json_build_array(NOT EXISTS (
    SELECT 1 FROM incidents_incident i
    WHERE i.deleted_at IS NULL AND (%(team)s::bigint IS NULL OR i.team_id = %(team)s::bigint)))
"""

# The team page only: recurring factor categories and follow-up completion.
TEAM = """
UNION ALL
SELECT 'recurring', json_build_array(service.name, category.name,
    json_agg(recurring.incident_id ORDER BY recurring.started_at, recurring.incident_id),
    (MIN(recurring.started_at) AT TIME ZONE %(zone)s)::date,
    (MAX(recurring.started_at) AT TIME ZONE %(zone)s)::date)
FROM (
    -- The incident-service links with a published postmortem's factor of a category that
    -- shows in another incident of the same service at most 90 days apart.
    SELECT DISTINCT a.incident_id, a.service_id, a.category_id, a.started_at
    FROM links a
    WHERE EXISTS (
        SELECT 1 FROM links b
        WHERE b.service_id = a.service_id AND b.category_id = a.category_id
            AND b.incident_id <> a.incident_id
            AND b.started_at >= a.started_at - interval '90 days'
            AND b.started_at <= a.started_at + interval '90 days'
    )
) recurring
JOIN incidents_service service ON service.id = recurring.service_id
JOIN postmortems_factorcategory category ON category.id = recurring.category_id
GROUP BY service.id, category.id
UNION ALL
-- Follow-up completion of the team's follow-ups created in the period, and those open now.
SELECT 'completion', json_build_array(
    COUNT(*) FILTER (WHERE created AND a.status = 'done' AND a.due_date IS NOT NULL
        AND (a.completed_at AT TIME ZONE %(zone)s)::date <= a.due_date),
    COUNT(*) FILTER (WHERE created AND a.due_date IS NOT NULL AND (a.status = 'done'
        OR (a.status IN ('open', 'in_progress') AND a.due_date < %(today)s))),
    COUNT(*) FILTER (WHERE created AND a.status IN ('open', 'in_progress')),
    COUNT(*) FILTER (WHERE created AND a.status IN ('open', 'in_progress')
        AND a.due_date < %(today)s),
    percentile_cont(0.5) WITHIN GROUP (ORDER BY
        (EXTRACT(EPOCH FROM a.completed_at - a.created_at) * 1000000)::bigint)
        FILTER (WHERE created AND a.status = 'done'),
    COUNT(*) FILTER (WHERE a.status IN ('open', 'in_progress')))
FROM (
    SELECT a.*, a.created_at >= %(trend_start)s AND a.created_at < %(trend_end_before)s
        AS created
    FROM followups_actionitem a
    JOIN incidents_incident i ON i.id = a.incident_id
    WHERE a.deleted_at IS NULL AND NOT i.is_drill AND a.team_id = %(team)s::bigint
) a
UNION ALL
-- Follow-ups per published postmortem.
SELECT 'per postmortem', json_build_array(COUNT(DISTINCT p.id), COUNT(a.id))
FROM postmortems_postmortem p
JOIN incidents_incident i ON i.id = p.incident_id
LEFT JOIN followups_actionitem a ON a.postmortem_id = p.id AND a.deleted_at IS NULL
WHERE p.deleted_at IS NULL AND p.status = 'published' AND NOT i.is_drill
    AND i.team_id = %(team)s::bigint
    AND p.published_at >= %(trend_start)s AND p.published_at < %(trend_end_before)s
"""

# One row per (incident, service, factor) of the incidents with a published postmortem in the
# trends' period (links) and in the culture section's quarters (culture_links): what
# recurrences are found in.
LINKS = """,
all_links AS (
    SELECT l.incident_id, l.service_id, f.category_id, i.started_at, i.in_trends, i.in_culture
    FROM incidents i
    JOIN incidents_incident_services l ON l.incident_id = i.id
    JOIN postmortems_postmortem p ON p.incident_id = i.id
        AND p.status = 'published' AND p.deleted_at IS NULL
    JOIN postmortems_contributingfactor f ON f.postmortem_id = p.id
    WHERE i.in_trends OR i.in_culture
),
links AS (SELECT * FROM all_links WHERE in_trends),
culture_links AS (SELECT * FROM all_links WHERE in_culture)
"""

# The culture section of both pages, for the four quarters up to the period's end: the size of
# each (kind, quarter, team) group of responses, the answers' sums per statement, whether each
# quarter's survey has closed, and beside them what was learned each quarter.
CULTURE = """
UNION ALL
SELECT 'culture sizes', json_build_array(r.kind, r.quarter, r.team_id, COUNT(*))
FROM culture_response r
WHERE r.quarter >= %(culture_first_quarter)s AND r.quarter <= %(culture_last_quarter)s
    AND (r.kind = 'pulse' OR %(team)s::bigint IS NULL)
GROUP BY r.kind, r.quarter, r.team_id
UNION ALL
SELECT 'culture answers', json_build_array(r.kind, r.quarter, a.statement, SUM(a.value),
    COUNT(*))
FROM culture_answer a
JOIN culture_response r ON r.id = a.response_id
WHERE r.quarter >= %(culture_first_quarter)s AND r.quarter <= %(culture_last_quarter)s
    AND (r.kind = 'pulse' OR %(team)s::bigint IS NULL)
    AND (%(team)s::bigint IS NULL OR r.team_id = %(team)s::bigint)
GROUP BY r.kind, r.quarter, a.statement
UNION ALL
SELECT 'survey closed', json_build_array(s.quarter, s.closes_at <= %(now)s)
FROM culture_survey s
WHERE s.quarter >= %(culture_first_quarter)s AND s.quarter <= %(culture_last_quarter)s
    AND %(team)s::bigint IS NULL
UNION ALL
SELECT 'published per quarter', json_build_array(
    date_trunc('quarter', p.published_at AT TIME ZONE %(zone)s)::date, COUNT(*))
FROM postmortems_postmortem p
JOIN incidents_incident i ON i.id = p.incident_id
WHERE p.deleted_at IS NULL AND p.status = 'published' AND NOT i.is_drill
    AND p.published_at >= %(quarters_start)s AND p.published_at < %(quarters_end_before)s
    AND (%(team)s::bigint IS NULL OR i.team_id = %(team)s::bigint)
GROUP BY date_trunc('quarter', p.published_at AT TIME ZONE %(zone)s)
UNION ALL
-- Follow-ups done, but a drill's.
SELECT 'done per quarter', json_build_array(
    date_trunc('quarter', a.completed_at AT TIME ZONE %(zone)s)::date, COUNT(*))
FROM followups_actionitem a
JOIN incidents_incident i ON i.id = a.incident_id AND NOT i.is_drill
WHERE a.deleted_at IS NULL AND a.status = 'done'
    AND a.completed_at >= %(quarters_start)s AND a.completed_at < %(quarters_end_before)s
    AND (%(team)s::bigint IS NULL OR a.team_id = %(team)s::bigint)
GROUP BY date_trunc('quarter', a.completed_at AT TIME ZONE %(zone)s)
UNION ALL
-- The (service, factor category) pairs that came back in a quarter: in an incident at most 90
-- days after an earlier one (by start, then id) of the same service and category.
SELECT 'came back', json_build_array(quarter, COUNT(*))
FROM (
    SELECT DISTINCT date_trunc('quarter', a.started_at AT TIME ZONE %(zone)s)::date AS quarter,
        a.service_id, a.category_id
    FROM culture_links a
    WHERE a.started_at >= %(quarters_start)s AND a.started_at < %(quarters_end_before)s
        AND EXISTS (
            SELECT 1 FROM culture_links b
            WHERE b.service_id = a.service_id AND b.category_id = a.category_id
                AND (b.started_at, b.incident_id) < (a.started_at, a.incident_id)
                AND a.started_at - b.started_at <= interval '90 days'
        )
) came_back
GROUP BY quarter
"""

# The organisation page only: each team against its own previous period, in name order.
ORGANISATION = """
UNION ALL
SELECT 'team trends', json_build_array(t.name,
    COALESCE(d.succeeded_now, 0), COALESCE(d.succeeded_before, 0),
    COALESCE(d.total_now, 0), COALESCE(d.total_before, 0),
    COALESCE(d.failed_now, 0), COALESCE(d.failed_before, 0),
    COALESCE(n.now, 0), COALESCE(n.before, 0), ROW_NUMBER() OVER (ORDER BY t.name))
FROM incidents_team t
LEFT JOIN (
    SELECT team_id,
        COUNT(*) FILTER (WHERE period = 'current' AND outcome = 'succeeded') AS succeeded_now,
        COUNT(*) FILTER (WHERE period = 'previous' AND outcome = 'succeeded')
            AS succeeded_before,
        COUNT(*) FILTER (WHERE period = 'current') AS total_now,
        COUNT(*) FILTER (WHERE period = 'previous') AS total_before,
        COUNT(*) FILTER (WHERE period = 'current' AND failed) AS failed_now,
        COUNT(*) FILTER (WHERE period = 'previous' AND failed) AS failed_before
    FROM deployments WHERE period IS NOT NULL GROUP BY team_id
) d ON d.team_id = t.id
LEFT JOIN (
    SELECT team_id, COUNT(*) FILTER (WHERE period = 'current') AS now,
        COUNT(*) FILTER (WHERE period = 'previous') AS before
    FROM incidents WHERE period IS NOT NULL GROUP BY team_id
) n ON n.team_id = t.id
"""

TEAM_PAGE = SAMPLES + LINKS + FOUR_KEYS + TRENDS + CULTURE + TEAM
ORGANISATION_PAGE = SAMPLES + LINKS + FOUR_KEYS + TRENDS + CULTURE + ORGANISATION
