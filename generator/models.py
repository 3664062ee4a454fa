"""`models.py`: Pydantic v2 models from the 3.1 document via datamodel-code-generator.

The 3.1 source is fed (not the 3.0.3 copy): dcg keeps constraints such as `minimum` on a
`oneOf [integer, null]` branch that the downgraded `nullable` spelling loses, and maps `const`
to `Literal`. Flags follow toolchain-notes §4.
"""

from __future__ import annotations

import json
from typing import Any


def generate_models(data: dict[str, Any], header: str) -> str:
    """Return the source of `models.py` (with its final newline, which dcg omits)."""
    # Imported here: dcg is a dev dependency and a heavy import, needed only when generating.
    from datamodel_code_generator import InputFileType, LiteralType, generate  # noqa: PLC0415
    from datamodel_code_generator.enums import DataModelType  # noqa: PLC0415
    from datamodel_code_generator.format import Formatter, PythonVersion  # noqa: PLC0415

    code = generate(
        json.dumps(data),
        input_file_type=InputFileType.OpenAPI,
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
