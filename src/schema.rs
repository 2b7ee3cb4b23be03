//! The JSON Schemas (draft 2020-12) of pimap's machine-readable outputs, as kept in
//! `docs/schema/`: compiled into the binary so that `pimap schema NAME` prints the very file a
//! consumer would otherwise fetch from the repository, for the version it runs.
//!
//! The integration tests validate every inventory, findings line and `diff --json` output they
//! produce against these files, so the schemas and the code cannot drift apart. Changes stay
//! additive (see each schema's description).

/// One of the documented outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    /// The inventory (`scan -o`, `merge -o`).
    Inventory,
    /// One line of `scan --findings`.
    Findings,
    /// The output of `diff --json`.
    Diff,
}

impl Schema {
    pub const ALL: [Schema; 3] = [Schema::Inventory, Schema::Findings, Schema::Diff];

    /// The name `pimap schema` takes and the file's stem in `docs/schema/`.
    pub fn name(self) -> &'static str {
        match self {
            Schema::Inventory => "inventory",
            Schema::Findings => "findings",
            Schema::Diff => "diff",
        }
    }

    /// The schema document, byte for byte as in `docs/schema/NAME.schema.json`.
    pub fn text(self) -> &'static str {
        match self {
            Schema::Inventory => include_str!("../docs/schema/inventory.schema.json"),
            Schema::Findings => include_str!("../docs/schema/findings.schema.json"),
            Schema::Diff => include_str!("../docs/schema/diff.schema.json"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{Inventory, SCHEMA};

    #[test]
    fn the_inventory_schema_names_the_version_the_code_writes() {
        let schema: serde_json::Value = serde_json::from_str(Schema::Inventory.text()).unwrap();
        assert_eq!(schema["properties"]["schema"]["const"], SCHEMA);
        assert!(
            schema["title"].as_str().unwrap().contains(SCHEMA),
            "the title names the version"
        );
    }

    #[test]
    fn every_schema_is_json_with_an_id_and_the_2020_12_dialect() {
        for s in Schema::ALL {
            let doc: serde_json::Value =
                serde_json::from_str(s.text()).unwrap_or_else(|e| panic!("{}: {e}", s.name()));
            assert_eq!(doc["$schema"], "https://json-schema.org/draft/2020-12/schema");
            assert!(doc["$id"].as_str().is_some_and(|id| id.contains(s.name())));
        }
    }

    /// The fields written by default values of the inventory's types against the schema's
    /// properties and `required` lists: the cheap, unit-level half of what the integration
    /// tests check on real scans (fields written only when set are not seen here).
    #[test]
    fn default_values_write_the_fields_the_schema_requires_and_knows() {
        use crate::inventory::{changes::compare, ColumnEntry, FileEntry};
        let schema: serde_json::Value = serde_json::from_str(Schema::Inventory.text()).unwrap();
        let defs = &schema["$defs"];
        let inventory = serde_json::to_value(Inventory::default()).unwrap();
        let cases = [
            ("inventory", &schema, inventory.clone()),
            ("tool", &defs["tool"], inventory["tool"].clone()),
            ("totals", &defs["totals"], inventory["totals"].clone()),
            ("key", &defs["key"], inventory["key"].clone()),
            ("policy", &defs["policy"], inventory["policy"].clone()),
            (
                "file",
                &defs["file"],
                serde_json::to_value(FileEntry::default()).unwrap(),
            ),
            (
                "column",
                &defs["column"],
                serde_json::to_value(ColumnEntry::default()).unwrap(),
            ),
            (
                "changes",
                &defs["changes"],
                serde_json::to_value(compare(&Inventory::default(), &Inventory::default())).unwrap(),
            ),
        ];
        for (name, def, written) in cases {
            let written = written.as_object().unwrap();
            let known = def["properties"].as_object().unwrap();
            for field in written.keys() {
                assert!(
                    known.contains_key(field),
                    "{name}.{field} is written but not in the schema"
                );
            }
            for field in def["required"].as_array().unwrap() {
                let field = field.as_str().unwrap();
                assert!(
                    written.contains_key(field),
                    "{name}.{field} is required but not written"
                );
            }
        }
    }
}
