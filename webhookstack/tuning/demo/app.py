"""A CPU-bound Lambda function: shows Lambda's memory/speed trade-off (CPU grows with memory).

The event chooses the work: ``{"rounds": N}`` hashes a buffer N times (default 8000, about
0.1 s of one core); ``{"allocate_mb": M}`` holds M MB (to hit the memory limit). Pure
standard library, single-threaded: above 1,769 MB (one vCPU) it gets no faster, the shape AWS
documents for single-threaded code.
"""

import hashlib


def handler(event, context):
    event = event or {}
    if event.get("allocate_mb"):
        block = bytearray(int(event["allocate_mb"]) * 1024 * 1024)
        for i in range(0, len(block), 4096):  # touch every page: resident, not just reserved
            block[i] = 1
        return {"allocated_mb": len(block) // (1024 * 1024)}
    rounds = int(event.get("rounds", 8000))
    digest = b"webhookstack"
    buffer = bytes(range(256)) * 64  # 16 KiB
    for _ in range(rounds):
        digest = hashlib.sha256(digest + buffer).digest()
    return {"rounds": rounds, "digest": digest.hex()}
