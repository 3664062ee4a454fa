"""`models.py`: Pydantic v2 models from the 3.1 document via datamodel-code-generator.

The 3.1 source is fed (not the 3.0.3 copy): dcg keeps constraints such as `minimum` on a
`oneOf [integer, null]` branch that the downgraded `nullable` spelling loses, and maps `const`
to `Literal`. Flags follow toolchain-notes §4.

Cross-field rules (an `allOf`/`anyOf`/`oneOf`/`not` of property-less assertions beside the
`properties` of an object, e.g. "not both budgets") are removed before dcg sees the document:
dcg turns them into extra models with wrong required fields. The models stay looser than the
document (toolchain-notes P18: model rules ⊆ spec rules); request validation enforces the rules.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from generator.walk import schema_roots, subschemas

RULE_KEYWORDS = ("allOf", "anyOf", "oneOf", "not")


def _is_assertion(schema: Any) -> bool:
    """A subschema that only constrains (no `type`, no `$ref`, no `items`, no nested shape)."""
    if not isinstance(schema, dict):
        return False
    if any(key in schema for key in ("type", "$ref", "items", "additionalProperties")):
        return False
    nested = [schema.get("not"), *(b for k in RULE_KEYWORDS[:3] for b in schema.get(k) or [])]
    return all(_is_assertion(b) for b in nested if b is not None)


def strip_rules(data: dict[str, Any]) -> dict[str, Any]:
    """A copy of the document without the cross-field rules of object schemas."""
    out = copy.deepcopy(data)
    for root_where, root, _ in list(schema_roots(out)):
        for _where, schema in subschemas(root, root_where):
            if not isinstance(schema, dict) or not schema.get("properties"):
                continue
            for key in RULE_KEYWORDS:
                value = schema.get(key)
                branches = [value] if key == "not" else value
                if isinstance(branches, list) and branches and all(map(_is_assertion, branches)):
                    del schema[key]
    return out


def generate_models(data: dict[str, Any], header: str) -> str:
    """Return the source of `models.py` (with its final newline, which dcg omits)."""
    # Imported here: dcg is a dev dependency and a heavy import, needed only when generating.
    from datamodel_code_generator import InputFileType, LiteralType, generate  # noqa: PLC0415
    from datamodel_code_generator.enums import DataModelType, OpenAPIScope  # noqa: PLC0415
    from datamodel_code_generator.format import Formatter, PythonVersion  # noqa: PLC0415

    code = generate(
        json.dumps(strip_rules(data)),
        input_file_type=InputFileType.OpenAPI,
        # Request bodies are components of `requestBodies` (H008): a model per body too.
        openapi_scopes=[OpenAPIScope.Schemas, OpenAPIScope.RequestBodies],
        output_model_type=DataModelType.PydanticV2BaseModel,
        target_python_version=PythonVersion.PY_311,
        use_annotated=True,
        field_constraints=True,
        snake_case_field=True,
        allow_population_by_field_name=True,
        use_standard_collections=True,
        use_union_operator=True,
        strict_nullable=True,
        collapse_root_models=True,
        enum_field_as_literal=LiteralType.All,
        use_schema_description=True,
        use_double_quotes=True,
        disable_timestamp=True,
        formatters=[Formatter.BUILTIN],
        type_mappings=["string+email=string"],
        custom_file_header=header,
    )
    if not isinstance(code, str):
        raise TypeError("datamodel-code-generator returned no single module")
    return code.rstrip("\n") + "\n"
