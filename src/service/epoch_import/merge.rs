//! The three-way merge of one imported entry: what the importer last wrote, what the entry
//! holds now, and what the file says.

use serde_json::{Map, Value};

/// The outcome for one entry.
pub struct Merged {
    /// The fields to write (the file's value where the importer may write it).
    pub writes: Map<String, Value>,
    /// Fields an editor changed since the importer last wrote them (or, for an entry the
    /// importer did not create, fields that already held something else): kept, and reported.
    pub conflicts: Vec<String>,
    /// What to remember as last imported.
    pub imported: Map<String, Value>,
}

/// A value that says nothing: an entry the importer did not create may have these filled.
pub fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty() || s == "unknown",
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// `last` is what the importer last wrote (`None` for an entry it did not create).
pub fn merge(last: Option<&Map<String, Value>>, current: &Map<String, Value>, new: &Map<String, Value>) -> Merged {
    let mut merged = Merged { writes: Map::new(), conflicts: vec![], imported: last.cloned().unwrap_or_default() };
    for (key, value) in new {
        let now = current.get(key).unwrap_or(&Value::Null);
        let before = last.and_then(|l| l.get(key));
        if now == value {
            merged.imported.insert(key.clone(), value.clone());
            continue;
        }
        match before {
            // The file has not changed here: whatever the entry holds now is an editor's.
            Some(before) if before == value => {}
            Some(before) if before == now => {
                merged.writes.insert(key.clone(), value.clone());
                merged.imported.insert(key.clone(), value.clone());
            }
            None if is_empty(now) => {
                merged.writes.insert(key.clone(), value.clone());
                merged.imported.insert(key.clone(), value.clone());
            }
            _ => merged.conflicts.push(key.clone()),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn source_changes_apply_and_editor_changes_stay() {
        let last = map(json!({ "parameters": 1.0, "hardware": "TPU" }));
        let current = map(json!({ "parameters": 1.0, "hardware": "GPU" }));
        let new = map(json!({ "parameters": 2.0, "hardware": "TPU v4" }));
        let merged = merge(Some(&last), &current, &new);
        assert_eq!(merged.writes, map(json!({ "parameters": 2.0 })));
        assert_eq!(merged.conflicts, ["hardware"]);
        assert_eq!(merged.imported["hardware"], json!("TPU"), "still reported next time");
    }

    #[test]
    fn an_unchanged_file_writes_nothing() {
        let last = map(json!({ "parameters": 1.0, "hardware": "TPU" }));
        let current = map(json!({ "parameters": 1.0, "hardware": "GPU" }));
        let merged = merge(Some(&last), &current, &last);
        assert!(merged.writes.is_empty() && merged.conflicts.is_empty());
    }

    #[test]
    fn an_entry_not_imported_gets_only_its_empty_fields_filled() {
        let current = map(json!({ "parameters": null, "hardware": "GPU" }));
        let new = map(json!({ "parameters": 3.0, "hardware": "TPU" }));
        let merged = merge(None, &current, &new);
        assert_eq!(merged.writes, map(json!({ "parameters": 3.0 })));
        assert_eq!(merged.conflicts, ["hardware"]);
    }
}
