"""Turn a captured URL path into the API's resource path, whatever URL form it was sent to."""

from __future__ import annotations


def resource_path(path: str, prefixes: set[str]) -> tuple[str, str | None]:
    """(resource path, what was stripped) for a path captured on any of the URL forms.

    Forms: LocalStack's `/_aws/execute-api/{api}/{stage}/...`, the deprecated
    `/restapis/{api}/{stage}/_user_request_/...`, a stage or custom-domain base path
    (`/prod/webhooks`), or the resource path itself (`/webhooks`). `prefixes` are the
    stage names and base paths the stack knows.
    """
    parts = [p for p in path.split("/") if p != ""]
    if len(parts) >= 3 and parts[0] == "_aws" and parts[1] == "execute-api":
        return "/" + "/".join(parts[4:]), "/" + "/".join(parts[:4])
    if "_user_request_" in parts:
        i = parts.index("_user_request_")
        return "/" + "/".join(parts[i + 1:]), "/" + "/".join(parts[: i + 1])
    # Longest known prefix first: base paths may have several segments.
    for prefix in sorted(prefixes, key=lambda p: -len(p.split("/"))):
        segs = [s for s in prefix.split("/") if s]
        if segs and parts[: len(segs)] == segs and len(parts) > len(segs):
            return "/" + "/".join(parts[len(segs):]), "/" + "/".join(segs)
    return "/" + "/".join(parts), None
