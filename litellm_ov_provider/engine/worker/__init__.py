"""Inside a worker process: one OpenVINO GenAI pipeline, stepped between commands."""
