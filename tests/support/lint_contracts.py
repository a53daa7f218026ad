"""import-linter contract types of this project (configured in .importlinter, run by `make lint`)."""

from __future__ import annotations

from typing import Any

from importlinter import Contract, ContractCheck, fields, output


class PublicFaceContract(Contract):
    """Modules outside a part may import only the part's package itself or one of its face modules.

    ``server.exams.api`` is the exams' face; ``server.exams.attempts`` is not, and importing it from
    ``server.assessment`` breaks the contract. Imports inside a part are free, and so are those of migrations: a
    migration is a frozen snapshot of the schema and may name another part's enum as it was then.
    """

    type_name = "faces"

    parts = fields.ListField(subfield=fields.ModuleField())
    faces = fields.ListField(subfield=fields.StringField())

    def check(self, graph: Any, verbose: bool) -> ContractCheck:
        faces = set(self.faces)  # type: ignore[arg-type]
        broken: list[dict[str, str]] = []
        for part in self.parts:  # type: ignore[attr-defined]
            prefix = part.name + "."
            for module in sorted(m for m in graph.modules if m.startswith(prefix)):
                child = module[len(prefix) :].split(".")[0]
                if child in faces:
                    continue
                for importer in sorted(graph.find_modules_that_directly_import(module)):
                    if importer == part.name or importer.startswith(prefix) or ".migrations." in importer:
                        continue
                    broken.append({"importer": importer, "imported": module})
        return ContractCheck(kept=not broken, metadata={"broken": broken})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for item in check.metadata["broken"]:
            output.print_error(f"{item['importer']} imports {item['imported']}, which is not a public face")
        output.new_line()
        output.print("Import the part's api.py instead (add what is missing to it).")
