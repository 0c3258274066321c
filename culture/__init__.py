"""Anonymous responder feedback and generative-culture trends."""
