"""The engine: one worker process per loaded model, and the pool that loads and unloads them.

`ContinuousBatchingPipeline.step()` holds the GIL for the whole step (measured:
one event-loop tick per step, gaps past 100 ms), so stepping inside the serving
process would stall its event loop. Each model therefore runs in a spawned worker
process (`worker/`); the serving side (client, pool, admission, grammar gate)
only renders requests and streams text.
"""
