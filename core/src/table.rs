//! Export rows with named columns, as JSON (an array of objects) or CSV, the same for
//! the kiosk's exports and the district's, so a file from either reads the same.

use serde_json::{Map, Value};

/// Rows with named columns, in column order for CSV.
pub struct Table {
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<Value>>,
}

impl Table {
    pub fn to_json(&self) -> Value {
        Value::Array(
            self.rows
                .iter()
                .map(|row| {
                    let mut object = Map::new();
                    for (column, value) in self.columns.iter().zip(row) {
                        object.insert(column.to_string(), value.clone());
                    }
                    Value::Object(object)
                })
                .collect(),
        )
    }

    /// RFC 4180, quoting only the cells that need it. Lists (tags, skills) become
    /// `a;b`, so a spreadsheet keeps one record per line.
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        let header: Vec<String> = self.columns.iter().map(|c| c.to_string()).collect();
        write_record(&mut out, &header);
        for row in &self.rows {
            let cells: Vec<String> = row.iter().map(cell).collect();
            write_record(&mut out, &cells);
        }
        out
    }
}

/// One value as a CSV cell's text.
pub fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| i.to_string())
            })
            .collect::<Vec<_>>()
            .join(";"),
        other => other.to_string(),
    }
}

fn write_record(out: &mut String, cells: &[String]) {
    for (index, text) in cells.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        // A lone empty cell is quoted so the line is not read as a blank line.
        let quote = text.contains([',', '"', '\n', '\r']) || (cells.len() == 1 && text.is_empty());
        if quote {
            out.push('"');
            out.push_str(&text.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(text);
        }
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cells_that_need_it_are_quoted_and_lists_joined() {
        let table = Table {
            columns: vec!["name", "address", "tags", "n"],
            rows: vec![vec![
                json!("张三"),
                json!("1栋, \"东\"门"),
                json!(["elderly_60", "living_alone"]),
                json!(3),
            ]],
        };
        assert_eq!(
            table.to_csv(),
            "name,address,tags,n\n张三,\"1栋, \"\"东\"\"门\",elderly_60;living_alone,3\n"
        );
        assert_eq!(table.to_json()[0]["tags"][1], "living_alone");
    }
}
