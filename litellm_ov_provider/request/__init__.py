"""Where a request is checked: body, OpenAI shape, steering keys, schemas, engine request."""
