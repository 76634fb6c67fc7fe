"""The inference engine: one worker process per loaded model, driven over a pipe.

`ContinuousBatchingPipeline.step()` holds the GIL for the whole step (measured:
one event-loop tick per step, gaps past 100 ms), so stepping inside the proxy
process would stall its event loop. Each model therefore runs in a spawned
worker process; the proxy side only renders OpenAI requests and streams text.
"""
