"""Every figure staff monitoring shows, on the page and in /metrics: one module, tested with rows.

Sections: now (broker, queues, workers, running jobs), a window of time (throughput,
outcomes, failures, waits, speed), money, feedback and storage.
"""
