"""The demo organisation's people, services and the words of its incidents."""

from datetime import timedelta

from incidents.models import (
    Deployment,
    Service,
    Severity,
    TimelineEvent,
)

DEFAULT_SEED = 20240917
HISTORY = timedelta(days=182)
HISTORIC_INCIDENTS = 76

Tier = Service.Tier
Outcome = Deployment.Outcome
Kind = TimelineEvent.Kind

# name, description, people (first, last), services (name, tier, description, symptoms)
ORGANISATION = [
    (
        "Payments",
        "Checkout, payment processing, invoicing and fraud checks.",
        [("Amara", "Okafor"), ("Lukas", "Schneider"), ("Priya", "Raman"), ("Tomás", "Álvarez")],
        [
            (
                "Checkout",
                Tier.TIER_1,
                "The basket-to-order flow on web and mobile.",
                [
                    "Checkout returning 500s for card payments",
                    "Checkout p95 latency above 3 s",
                    "Duplicate orders created when customers retry",
                ],
            ),
            (
                "Payments API",
                Tier.TIER_1,
                "Talks to the card processors; authorisations, captures and refunds.",
                [
                    "Card authorisations declined by the payment processor",
                    "Payment webhooks backing up",
                    "Refunds stuck in pending",
                ],
            ),
            (
                "Invoicing",
                Tier.TIER_2,
                "Invoices, credit notes and the monthly billing run.",
                [
                    "Invoice PDFs not generated",
                    "Monthly billing run failed halfway",
                    "VAT rounding errors on invoices",
                ],
            ),
            (
                "Fraud Scoring",
                Tier.TIER_2,
                "Scores every order before payment is captured.",
                [
                    "Fraud scoring timing out, orders held for review",
                    "Spike in fraud false positives",
                ],
            ),
        ],
    ),
    (
        "Platform",
        "The shared infrastructure: edge, identity, CI and observability.",
        [("Mei", "Lin"), ("Jonas", "Berg"), ("Fatima", "Haddad"), ("Sam", "Whitfield")],
        [
            (
                "API Gateway",
                Tier.TIER_1,
                "Edge routing, TLS termination and rate limiting for every public API.",
                [
                    "API Gateway 502s in eu-west-1",
                    "Rate limiter rejecting legitimate traffic",
                    "TLS certificate expired on the API Gateway",
                ],
            ),
            (
                "Identity",
                Tier.TIER_1,
                "Login, sessions, SSO and password resets.",
                [
                    "Logins failing after session key rotation",
                    "Password reset emails delayed",
                    "SSO logins failing for business customers",
                ],
            ),
            (
                "CI Runners",
                Tier.TIER_3,
                "The build and test runners every team's pipelines use.",
                ["CI runners out of disk", "Builds queued for over an hour"],
            ),
            (
                "Observability",
                Tier.TIER_3,
                "Metrics, logs and traces, and the alerting built on them.",
                ["Metrics ingestion lagging 20 minutes", "Log pipeline dropping events"],
            ),
        ],
    ),
    (
        "Search",
        "Product search, indexing and recommendations.",
        [("Noah", "Fischer"), ("Aisha", "Bello"), ("Elena", "Petrova"), ("Ravi", "Kapoor")],
        [
            (
                "Search API",
                Tier.TIER_1,
                "Answers every product search on web and mobile.",
                [
                    "Search returning no results for some queries",
                    "Search p99 latency over 2 s",
                    "Search cluster health red",
                ],
            ),
            (
                "Indexer",
                Tier.TIER_2,
                "Keeps the search index in step with the product catalogue.",
                [
                    "Index updates delayed by hours",
                    "Indexer crash-looping on a malformed product",
                    "Stale prices shown in search results",
                ],
            ),
            (
                "Recommendations",
                Tier.TIER_3,
                "The 'you might also like' widgets.",
                [
                    "Recommendations widget blank on the home page",
                    "Recommendations serving yesterday's model",
                ],
            ),
        ],
    ),
    (
        "Mobile",
        "The iOS and Android apps and the backend made for them.",
        [("Chloé", "Martin"), ("Diego", "Santos"), ("Hannah", "Kim"), ("Kwame", "Mensah")],
        [
            (
                "Mobile API",
                Tier.TIER_1,
                "The backend-for-frontend the apps talk to.",
                [
                    "iOS app unable to load the basket",
                    "Android app crashing on launch",
                    "Mobile API 5xx spike",
                ],
            ),
            (
                "Push Notifications",
                Tier.TIER_2,
                "Order and delivery notifications to phones.",
                ["Push notifications delivered twice", "Push notifications delayed by 40 minutes"],
            ),
            (
                "Feature Flags",
                Tier.TIER_3,
                "Remote configuration and staged rollouts for the apps.",
                [
                    "Feature flag service serving defaults",
                    "Staged rollout jumped to 100% unexpectedly",
                ],
            ),
        ],
    ),
]

GENERIC_SYMPTOMS = [
    "{service}: elevated error rate",
    "{service}: database connection pool exhausted",
    "{service}: memory leak in workers",
    "{service}: degraded after a configuration change",
    "{service}: timeouts calling a downstream dependency",
    "{service}: disk full on two nodes",
]
DEPLOYMENT_SYMPTOMS = [
    "{service} errors after deploying {version}",
    "Regression in {service} {version}",
]
SUMMARIES = [
    "Alerts fired for {service}; the on-call confirmed the problem from the dashboards.",
    "Customer support escalated a rise in tickets mentioning {service}.",
    "Synthetic checks against {service} started failing.",
    "An engineer noticed {service} misbehaving while testing something unrelated.",
]
DEPLOYMENT_SUMMARY = "Errors began minutes after {version} of {service} reached production."
IMPACT = {
    Severity.SEV1: "Most customers could not use {service}; about {share}% of requests failed.",
    Severity.SEV2: "Some customers saw errors from {service}; about {share}% of requests failed.",
    Severity.SEV3: "A small share of requests to {service} were slow or failed; retries worked.",
    Severity.SEV4: "No customer impact observed.",
}
NOTES = [
    "Paged the {team} on-call.",
    "Error rate on {service} is around {share}% and not yet falling.",
    "Status page updated.",
    "Customer support briefed; a reply template is ready for incoming tickets.",
    "Scaled {service} out to absorb the retries.",
    "Ruled out the database: replication lag is normal.",
    "Checked recent deployments and configuration changes.",
    "Pulled in a second engineer to look at the traces.",
]
CAUSES = [
    "a connection pool sized too small after the last configuration change",
    "an expired certificate on an upstream dependency",
    "a slow query after a missing index was dropped",
    "a cache stampede after the nightly cache flush",
    "a noisy neighbour saturating the shared nodes",
    "an outage at a third-party provider",
    "a retry loop amplifying a brief network blip",
]
DRILLS = [
    ("Game day: losing an availability zone", "API Gateway"),
    ("Drill: payment processor failover", "Payments API"),
    ("Game day: search cluster node failure", "Search API"),
]

SEVERITY_WEIGHTS = {Severity.SEV1: 5, Severity.SEV2: 17, Severity.SEV3: 43, Severity.SEV4: 35}
# Releases a service ships on a working day: critical services ship most often.
RELEASES_PER_DAY = {
    Tier.TIER_1: [10, 25, 30, 25, 10],
    Tier.TIER_2: [25, 35, 25, 12, 3],
    Tier.TIER_3: [50, 35, 12, 3, 0],
}
OUTCOME_WEIGHTS = {Outcome.SUCCEEDED: 87, Outcome.FAILED: 7, Outcome.ROLLED_BACK: 6}
