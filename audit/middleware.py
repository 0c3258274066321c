from .context import acting_for_request


class AuditActorMiddleware:
    """Everything recorded while a request is handled names its user (or, for the API, the
    token the request authenticated; for webhooks, the sender)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with acting_for_request(request):
            return self.get_response(request)
