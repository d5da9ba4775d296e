"""Corrections to the generated OpenAPI schema where drf-spectacular cannot see a rule."""

from __future__ import annotations

# PATCH bodies are generated with every field optional, but an edit must name the version it is
# based on (optimistic locking): without it the API answers 400.
VERSIONED_PATCH_COMPONENTS = ("PatchedProposalUpdate", "PatchedResourceRequest")


def require_version_in_edits(result, generator, request, public):
    schemas = result.get("components", {}).get("schemas", {})
    for name in VERSIONED_PATCH_COMPONENTS:
        component = schemas.get(name)
        if component is not None and "version" in component.get("properties", {}):
            required = component.setdefault("required", [])
            if "version" not in required:
                required.append("version")
    return result
